"""Quality on real text: w2v against gensim trained with the same settings, in one run.

Both train with one thread, so every run is reproducible (with two threads, Hogwild makes
each run differ by about a point on each score), and are scored by gensim's own evaluators
(an independent reference): 3CosAdd analogy accuracy on questions-words over the 30,000
most frequent words, and the Spearman correlation on WordSim-353 (x 100).

A seed is one sample of a run's randomness, and so is another CPU: different vector widths
round differently, and training carries a rounding difference into a different run. The
margins must hold for any such sample, not only for this machine's seed 1. Measured on
2026-11-28 (AMD EPYC Zen 4), seeds 1 to 3 of both tools, w2v less gensim in points:

    analogy   per pair of runs -1.08 to +0.01, mean -0.42
    WordSim   per pair of runs -2.72 to +1.88, mean -0.51

and w2v's skip-gram + ns analogy accuracy ranged over 9.0 to 10.5 % across six samples
(three seeds, and three more with another random generator in a scratch copy), against
10.47 to 10.55 % for gensim's three seeds. w2v is the cheap side (about 50 s for the three
configurations, against gensim's 200), so w2v trains seeds 1 to 3 and its mean is compared
with gensim's seed 1: that divides w2v's spread by about 1.7.

Margins, on analogy accuracy, the precise score (about ten thousand questions): each
configuration within 1.5 points, the three on average within 1 (the former margin was 2
points on each, which a regression of every configuration by 1.9 points passed). WordSim-353
has 353 pairs and one run moves by up to 2.7 points with the seed alone: only the average
of the three configurations is held, within 2.5 points.
"""

import subprocess
import sys

import numpy as np
import pytest
from gensim.models import KeyedVectors, Word2Vec
from gensim.models.word2vec import LineSentence

from tests.paths import DATA

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


SEEDS = (1, 2, 3)  # w2v's; gensim's is 1


def scores(kv):
    """(analogy %, Spearman x 100) by gensim's evaluators."""
    questions, pairs = DATA / "questions-words.txt", DATA / "wordsim353.tsv"
    analogies = kv.evaluate_word_analogies(str(questions), restrict_vocab=30000)[0]
    return 100 * analogies, 100 * kv.evaluate_word_pairs(str(pairs))[1][0]


def train_both(folder, w2v_args, gensim_args):
    """The scores of w2v, its mean over SEEDS, and of gensim."""
    ours = [train_w2v(folder / f"w2v-{seed}.txt", seed, w2v_args) for seed in SEEDS]
    return np.mean(ours, axis=0), train_gensim(gensim_args)


def train_w2v(out, seed, w2v_args):
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
            str(seed),
            "--quiet",
            *w2v_args,
        ],
        check=True,
    )
    return scores(KeyedVectors.load_word2vec_format(str(out)))


def train_gensim(gensim_args):
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
    return scores(model.wv)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Each configuration trained once by both, on first use."""
    done = {}

    def run(name):
        if name not in done:
            done[name] = ours, theirs = train_both(tmp_path_factory.mktemp(name), *CONFIGS[name])
            print(
                f"\n{name}: w2v analogy {ours[0]:.2f} % spearman {ours[1]:.1f} (mean of "
                f"{len(SEEDS)} seeds); gensim analogy {theirs[0]:.2f} % spearman {theirs[1]:.1f}"
            )
        return done[name]

    return run


@pytest.mark.parametrize("name", list(CONFIGS))
def test_each_configuration_as_good_as_gensim(runs, name):
    ours, theirs = runs(name)
    assert ours[0] >= theirs[0] - 1.5, (
        f"analogy accuracy {ours[0]:.2f} % vs gensim {theirs[0]:.2f} %"
    )


def test_as_good_as_gensim_on_average(runs):
    ours, theirs = (np.mean([runs(name)[who] for name in CONFIGS], axis=0) for who in (0, 1))
    assert ours[0] >= theirs[0] - 1, (
        f"mean analogy accuracy {ours[0]:.2f} % vs gensim {theirs[0]:.2f} %"
    )
    assert ours[1] >= theirs[1] - 2.5, (
        f"mean WordSim-353 Spearman {ours[1]:.1f} vs gensim {theirs[1]:.1f}"
    )
