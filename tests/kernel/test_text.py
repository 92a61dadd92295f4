"""text.format_rows writes the very bytes of Python's "%.9g" for every float32 it formats,
and leaves to Python exactly the rows it cannot: a number that is 0 or of magnitude in
[1e-8, 2^62) is formatted, any other (subnormal, tiny, huge, infinite, NaN) is not."""

from fractions import Fraction

import numpy as np

from w2vcli.kernel import text

FLOAT32 = np.finfo(np.float32)


def formatted(values: np.ndarray) -> tuple:
    """(lines, slow) of format_rows on `values`, one number a row under the word "w"."""
    bits = np.ascontiguousarray(values, np.float32).view(np.uint32).reshape(-1, 1)
    words = np.frombuffer(b"w\n" * len(bits), np.uint8)
    out = np.empty(len(words) + bits.size * text.NUMBER_BYTES, np.uint8)
    line_ends = np.empty(len(bits), np.int64)
    slow = np.empty(len(bits), np.uint8)
    end = text.format_rows(bits, words, np.arange(1, len(words), 2), out, line_ends, slow)
    assert end == line_ends[-1]
    return out[:end].tobytes().splitlines(), slow.astype(bool)


def python_may_format(values: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):  # (NaN)
        magnitude = np.abs(values.astype(np.float64))
    return (magnitude == 0) | ((magnitude >= 1e-8) & (magnitude < 2.0**62))


def check(values: np.ndarray) -> None:
    values = np.asarray(values, np.float32)
    lines, slow = formatted(values)
    np.testing.assert_array_equal(~slow, python_may_format(values))
    expected = [b"w " + (b"%.9g" % v) for v in values[~slow].tolist()]
    assert lines == expected


def neighbours(values, ulps: int = 4) -> np.ndarray:
    """`values` (float32) and the `ulps` float32 on either side of each."""
    around = [np.asarray(values, np.float32)]
    for direction in (np.float32(np.inf), np.float32(-np.inf)):
        step = around[0]
        for _ in range(ulps):
            with np.errstate(over="ignore"):  # (past FLT_MAX: inf)
                step = np.nextafter(step, direction)
            around.append(step)
    return np.concatenate(around)


def test_random_bit_patterns_of_every_class():
    rng = np.random.default_rng(31)
    anything = rng.integers(0, 2**32, 600_000, dtype=np.uint64).astype(np.uint32)
    # The formatted range (exponent fields 100 to 190) densely, with either sign.
    fields = rng.integers(100, 191, 600_000, dtype=np.uint32) << np.uint32(23)
    fractions = rng.integers(0, 2**23, 600_000, dtype=np.uint32)
    signs = rng.integers(0, 2, 600_000, dtype=np.uint32) << np.uint32(31)
    subnormal = rng.integers(0, 2**23, 1000, dtype=np.uint32)
    bits = np.concatenate([anything, fields | fractions | signs, subnormal])
    check(bits.view(np.float32))


def test_word_vectors_as_training_writes_them():
    check(np.random.default_rng(1).normal(0, 0.1, 500_000).astype(np.float32))


def test_the_edges():
    powers = [float(Fraction(10) ** p) for p in range(-45, 39)]  # each decade's edge
    check(neighbours(powers + [-p for p in powers]))
    check(neighbours([1e-5, 1e-4, 1e9, 2.0**62, 2.0**24, 1e-8, 999999999.5, 0.1, 1 / 3]))
    tiny = FLOAT32.smallest_subnormal
    check(neighbours([tiny, FLOAT32.smallest_normal, FLOAT32.max, -FLOAT32.max], 2))
    check([0.0, -0.0, np.inf, -np.inf, np.nan, -np.nan, 1.0, -1.0, 10.0, 100.0, 1e8])


def test_the_digits_that_round_to_the_next_power_of_ten():
    """The one float32 below a power of ten that nine digits round up to it (1e-23) is left
    to Python; in the formatted range, none does."""
    powers = [float(Fraction(10) ** p) for p in range(-45, 39)]
    below = neighbours(powers, 3)
    rounded = [float(f"{v:.9g}") for v in below.tolist()]
    carried = [v for v, r in zip(below.tolist(), rounded) if v < r and r in powers]
    assert carried == [9.999999998199587e-24]
    check(below)


def test_a_row_with_one_number_python_formats_is_left_whole():
    bits = np.array([[0.5, 0.25], [1e-30, 0.5], [0.125, -0.0]], np.float32).view(np.uint32)
    words = np.frombuffer(b"a\nbb\nc\n", np.uint8)
    out = np.zeros(200, np.uint8)
    line_ends, slow = np.empty(3, np.int64), np.empty(3, np.uint8)
    end = text.format_rows(bits, words, np.array([1, 4, 6]), out, line_ends, slow)
    assert out[:end].tobytes() == b"a 0.5 0.25\nc 0.125 -0\n"
    assert slow.tolist() == [0, 1, 0] and line_ends.tolist() == [11, 11, end]
    too_small = np.zeros(10, np.uint8)
    assert text.format_rows(bits, words, np.array([1, 4, 6]), too_small, line_ends, slow) == -1
