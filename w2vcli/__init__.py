"""w2v: word2vec training and queries from the command line."""
