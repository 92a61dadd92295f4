"""Vectors out of w2v: a subset of a file (`w2v select`), and other tools' formats
(`w2v export`): TensorBoard's Embedding Projector and a plain numpy matrix.

The Projector (projector.tensorflow.org, or TensorBoard's projector plugin) reads a
tensor as TSV, one vector a line, values separated by tabs, no header; and metadata as
TSV, one line per vector, without a header when it has one column; projector_config.pbtxt
names the two files for TensorBoard (`tensorboard --logdir DIR`).
"""

import numpy as np

PROJECTOR_FILES = ("vectors.tsv", "metadata.tsv", "projector_config.pbtxt")
NPY_FILES = ("vectors.npy", "words.txt")
PROJECTOR_CONFIG = """embeddings {
  tensor_name: "w2v"
  tensor_path: "vectors.tsv"
  metadata_path: "metadata.tsv"
}
"""


def select_rows(words: list, top: int | None = None, wanted=None) -> tuple:
    """The rows to keep of a file whose words are `words`: its first `top`, or those of
    `wanted` (an iterable of words) it has, in the file's order; and the wanted words it
    lacks."""
    if wanted is None:
        return list(range(min(top, len(words)))), []
    wanted = list(dict.fromkeys(wanted))
    row = {}
    for i, word in enumerate(words):
        row.setdefault(word, i)
    rows = sorted(row[w] for w in wanted if w in row)
    return rows, [w for w in wanted if w not in row]


def projector_files(words: list, vectors: np.ndarray) -> dict:
    """{name: bytes} of the Projector's three files."""
    tensor = "".join("\t".join(f"{x:.9g}" for x in row) + "\n" for row in vectors.tolist())
    metadata = "".join(f"{w}\n" for w in words)
    return {
        "vectors.tsv": tensor.encode(),
        "metadata.tsv": metadata.encode(),
        "projector_config.pbtxt": PROJECTOR_CONFIG.encode(),
    }


def words_file(words: list) -> bytes:
    return "".join(f"{w}\n" for w in words).encode()
