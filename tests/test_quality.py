"""Quality on real text: w2v against gensim trained with the same settings, in one run.

Both train with one thread and seed 1, so both runs are reproducible: with two threads,
Hogwild makes each run differ by about a point on each score (more on WordSim-353's 353
pairs), as much as the margin allowed. Both are scored by gensim's own evaluators (an
independent reference): 3CosAdd analogy accuracy on questions-words over the 30,000 most
frequent words, and the Spearman correlation on WordSim-353. w2v must be no worse than
gensim less 2 points.
"""

import subprocess
import sys
from pathlib import Path

import pytest
from gensim.models import KeyedVectors, Word2Vec
from gensim.models.word2vec import LineSentence

DATA = Path(__file__).parent.parent.parent / "shared" / "data"
CORPUS = DATA / "en-mix.txt"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CORPUS.exists(), reason="needs ../shared/data beside the repo"),
]

CONFIGS = {  # name: (w2v options, gensim options)
    "skipgram-ns": (
        ["--arch", "skipgram", "--loss", "ns"],
        dict(sg=1, hs=0, negative=5, alpha=0.025),
    ),
    "cbow-ns": (["--arch", "cbow", "--loss", "ns"], dict(sg=0, hs=0, negative=5, alpha=0.05)),
    "skipgram-hs": (
        ["--arch", "skipgram", "--loss", "hs"],
        dict(sg=1, hs=1, negative=0, alpha=0.025),
    ),
}


def scores(kv):
    analogies = kv.evaluate_word_analogies(str(DATA / "questions-words.txt"), restrict_vocab=30000)[
        0
    ]
    spearman = kv.evaluate_word_pairs(str(DATA / "wordsim353.tsv"))[1][0]
    return 100 * analogies, 100 * spearman


@pytest.mark.parametrize("name", list(CONFIGS))
def test_as_good_as_gensim(tmp_path, name):
    w2v_args, gensim_args = CONFIGS[name]
    out = tmp_path / "w2v.txt"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "w2vcli",
            "train",
            str(CORPUS),
            "-o",
            str(out),
            "--threads",
            "1",
            "--seed",
            "1",
            "--quiet",
            *w2v_args,
        ],
        check=True,
    )
    ours = scores(KeyedVectors.load_word2vec_format(str(out)))

    # gensim's iterable mode, as its corpus_file mode decays each worker's learning rate by
    # that worker's share of the words against the whole corpus: with several workers every
    # epoch only goes part of the way down the schedule (a different, higher-alpha run).
    model = Word2Vec(
        LineSentence(str(CORPUS)),
        vector_size=100,
        window=5,
        min_count=5,
        sample=1e-3,
        epochs=5,
        workers=1,
        min_alpha=gensim_args["alpha"] * 1e-4,
        seed=1,
        **gensim_args,
    )
    theirs = scores(model.wv)
    print(
        f"\n{name}: w2v analogy {ours[0]:.2f} % spearman {ours[1]:.1f}; "
        f"gensim analogy {theirs[0]:.2f} % spearman {theirs[1]:.1f}"
    )
    assert ours[0] >= theirs[0] - 2, f"analogy accuracy {ours[0]:.2f} vs gensim {theirs[0]:.2f}"
    assert ours[1] >= theirs[1] - 2, f"WordSim-353 Spearman {ours[1]:.1f} vs gensim {theirs[1]:.1f}"
