"""Which of the model's two vector sets `w2v train` writes: input, output, or their sum.

In Rong's notation the model has an input matrix W (V x N), whose row v_w is word w's
input vector, and an output matrix W' (N x V), whose column v'_w is its output vector;
training pulls each v_w toward the v'_w of the words seen near w. Both represent w:

- in: v_w, the rows of W. What word2vec C, gensim and every other tool write.
- out: v'_w, the columns of W' (stored as the rows of `w_out`). Only negative sampling and
  the full softmax have one per word; hierarchical softmax's W' holds the V-1 inner nodes
  of the Huffman tree instead.
- sum: v_w + v'_w, which Levy, Goldberg and Dagan (2015) and Pennington et al. (GloVe,
  2014) report helps on word similarity tasks.
"""

import numpy as np

from ..errors import ConfigError

CHOICES = ("in", "out", "sum")


def check(which: str, loss: str) -> None:
    """Refuse, before training, a choice the loss has no vectors for."""
    if which not in CHOICES:
        raise ConfigError(f"--output-vectors must be one of {', '.join(CHOICES)} (got {which})")
    if which != "in" and loss == "hs":
        raise ConfigError(
            f"--output-vectors {which}: with --loss hs the output matrix holds the Huffman "
            "tree's inner nodes, not one vector per word; use --loss ns or softmax"
        )


def select(w_in: np.ndarray, w_out: np.ndarray, which: str) -> np.ndarray:
    """The (V, N) vectors to write: w_in, w_out (ns, softmax), or a new array of their sum."""
    if which == "in":
        return w_in
    if w_out.shape != w_in.shape:
        raise ValueError("the output matrix has no vector per word (hierarchical softmax)")
    return w_out if which == "out" else w_in + w_out
