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


ROWS = 256  # written at a time: the files never held whole in memory


def write_projector(files: dict, words: list, vectors: np.ndarray) -> None:
    """The Projector's three files, into the binary file objects `files` ({name: file})."""
    for start in range(0, len(vectors), ROWS):
        rows = vectors[start : start + ROWS].tolist()
        files["vectors.tsv"].write(
            "".join("\t".join(f"{x:.9g}" for x in row) + "\n" for row in rows).encode()
        )
    write_words(files["metadata.tsv"], words)
    files["projector_config.pbtxt"].write(PROJECTOR_CONFIG.encode())


def write_npy(files: dict, words: list, vectors: np.ndarray) -> None:
    """vectors.npy (float32, plain numbers) and words.txt, into `files` ({name: file})."""
    f = files["vectors.npy"]  # numpy's format, written a block at a time (no seek on a pipe)
    header = {"descr": "<f4", "fortran_order": False, "shape": tuple(vectors.shape)}
    np.lib.format.write_array_header_1_0(f, header)
    for start in range(0, len(vectors), ROWS):
        f.write(np.ascontiguousarray(vectors[start : start + ROWS], "<f4").tobytes())
    write_words(files["words.txt"], words)


def write_words(f, words: list) -> None:
    for start in range(0, len(words), 4096):
        f.write("".join(f"{w}\n" for w in words[start : start + 4096]).encode())
