"""Rows of word vectors as word2vec text lines, with the very bytes of Python's "%.9g".

Python formats each number in about 0.5 µs (a third of a minute for 700,000 words of 100
numbers); this does it in compiled code, exactly. A float32 is m * 2^e with an integer m
below 2^24, so its nine significant digits are round(m * 2^e * 10^j) for the j that puts
the result in [10^8, 10^9): an integer product m * 5^j shifted by e + j bits, rounded half
to even (as Python, which rounds the exact value correctly), or, from 10^9 up, an integer
divided by 10^-j. Done in int64 where that holds it: 0, and |v| from 10^-8 up to 2^62.
A row with any other number (smaller or larger, subnormal, infinite, NaN) is left to
Python: its `slow` flag is set and its line is not written.

`format_rows` is a plain function over arrays: w2vcli.kernel.native compiles it into the
same shared library as the training kernel, and a process that runs the JIT kernel calls
it as it is.
"""

import math
from fractions import Fraction

import numpy as np
from numba import njit

ZERO, DOT, MINUS, PLUS, SPACE, NEWLINE, E = (ord(c) for c in "0.-+ \ne")
DIGITS = 9  # "%.9g": nine significant digits round-trip every float32
LOW, HIGH = 10 ** (DIGITS - 1), 10**DIGITS
MAX_J = 16  # 5^16 * 2^24 < 2^63: the product m * 5^j fits in an int64
MAX_K = 18  # 10^18 < 2^63: the divisor 10^k fits
POW5 = np.array([5**j for j in range(MAX_J + 1)], np.int64)
POW10 = np.array([10**k for k in range(MAX_K + 1)], np.int64)
PAIRS = np.frombuffer("".join(f"{i:02d}" for i in range(100)).encode(), np.uint8).copy()


def _decades():
    """For each float32 exponent field E (1 to 254: m * 2^(E - 150), m in [2^23, 2^24)),
    x such that 10^x <= 2^23 * 2^(E - 150), and the least m from which the value reaches
    10^(x + 1) (2^24: none), in exact rational arithmetic."""
    decade, next_decade = np.zeros(256, np.int64), np.full(256, 1 << 24, np.int64)
    for exponent in range(1, 255):
        low = Fraction(2) ** (exponent - 127)
        x = len(str(int(low))) - 1 if low >= 1 else -len(str(int(1 / low)))
        while Fraction(10) ** x > low:  # (the estimate from the digits, made exact)
            x -= 1
        while Fraction(10) ** (x + 1) <= low:
            x += 1
        decade[exponent] = x
        m = math.ceil(Fraction(10) ** (x + 1) / Fraction(2) ** (exponent - 150))
        next_decade[exponent] = min(m, 1 << 24)
    return decade, next_decade


DECADE, NEXT_DECADE = _decades()
# Bytes a number takes at most ("-1.23456789e-05", "-0.000123456789") and its space.
NUMBER_BYTES = 16

jit = njit(cache=True, nogil=True, _nrt=False, error_model="numpy")  # no division by 0
# Inlined where called (by Numba): left as calls, the helpers took a third of the time.
inner = njit(cache=True, nogil=True, _nrt=False, error_model="numpy", inline="always")


@inner
def _scaled(m, e, x):
    """(q, round_up) of m * 2^e / 10^(x - 8): its integer part and whether rounding it half
    to even goes up; q is -1 where int64 cannot hold the computation."""
    j = DIGITS - 1 - x
    if j >= 0:
        if j > MAX_J:
            return -1, False
        a = m * POW5[j]  # m * 2^e * 10^j = a * 2^(e + j)
        s = e + j
        if s >= 0:
            if s > 62 or a > (np.int64(1) << (62 - s)):
                return -1, False
            return a << s, False
        s = -s
        if s > 62:
            return 0, False  # below one (x too large)
        q = a >> s
        rem = a - (q << s)
        half = np.int64(1) << (s - 1)
        return q, rem > half or (rem == half and (q & 1) == 1)
    k = -j  # from 10^9 up the value is an integer, m << e, divided by 10^k
    if k > MAX_K or e > 62 - 24:
        return -1, False
    v = m << e
    p = POW10[k]
    q = v // p
    rem = v - q * p
    return q, rem > p - rem or (rem == p - rem and (q & 1) == 1)


@inner
def _digits(out, pos, d, n, point):
    """Write the `n` digits of `d` at `pos`, with a '.' after the first `point` of them
    if fewer than n (point 0: none); returns the position after them."""
    if 0 < point < n:
        p = np.uint32(POW10[n - point])
        pos = _plain_digits(out, pos, d // p, point)
        out[pos] = DOT
        return _plain_digits(out, pos + 1, d % p, n - point)
    return _plain_digits(out, pos, d, n)


@inner
def _plain_digits(out, pos, d, n):
    """Write the `n` digits of `d` (leading zeros included) at `pos`; the position after."""
    d = np.uint32(d)  # (below 10^9; divided unsigned and 32-bit: twice as fast as int64)
    end = pos + n
    i = end
    while i - pos >= 2:  # two digits a division
        i -= 2
        quotient = np.uint32(d // np.uint32(100))
        pair = 2 * np.intp(d - quotient * np.uint32(100))
        d = quotient
        out[i] = PAIRS[pair]
        out[i + 1] = PAIRS[pair + 1]
    if i > pos:
        out[pos] = ZERO + np.intp(d)
    return end


@inner
def format_number(bits, out, pos):
    """Write the float32 whose bits are `bits` (uint32 as int64) as "%.9g" at out[pos:];
    returns the position after it, or -1 if it is left to Python."""
    exponent = (bits >> 23) & 0xFF
    fraction = bits & 0x7FFFFF
    if exponent == 0xFF or (exponent == 0 and fraction != 0):
        return -1  # infinite, NaN, subnormal (below 10^-37)
    out[pos] = MINUS  # kept if negative (no branch: the sign of a vector's numbers is random)
    pos += bits >> 31
    if exponent == 0:
        out[pos] = ZERO
        return pos + 1
    m = np.int64(fraction | (1 << 23))
    e = np.int64(exponent) - 150
    x = DECADE[exponent] + (m >= NEXT_DECADE[exponent])  # |v| in [10^x, 10^(x+1))
    q, up = _scaled(m, e, x)
    if not LOW <= q < HIGH:
        return -1  # outside int64's reach (or x wrong, which the tests would see)
    if up:
        q += 1
        if q == HIGH:  # 999999999.5 rounds to a new power of ten
            q = LOW
            x += 1
    q = np.uint32(q)  # (below 10^9: unsigned 32-bit division, the fastest)
    if -4 <= x < 0:  # 0.000ddddddddd, the usual case: all 9 digits, then the zeros cut
        for i in range(5):  # (the most "0.000" takes; no branch on x)
            out[pos + i] = ZERO
        out[pos + 1] = DOT
        pos = _plain_digits(out, pos + 1 - x, q, DIGITS)
        while out[pos - 1] == ZERO:  # %g drops trailing zeros
            pos -= 1
        return pos
    n = DIGITS
    while q % np.uint32(10) == 0:  # %g drops trailing zeros
        q = np.uint32(q // np.uint32(10))
        n -= 1
    if -4 <= x < DIGITS:  # fixed notation
        pos = _digits(out, pos, q, n, x + 1)
        for _ in range(x + 1 - n):  # an integer with fewer significant digits than places
            out[pos] = ZERO
            pos += 1
        return pos
    pos = _digits(out, pos, q, n, 1)
    out[pos] = E
    out[pos + 1] = MINUS if x < 0 else PLUS
    return _plain_digits(out, pos + 2, abs(x), 2)  # two digits at least, as C's (at most 45)


@jit
def format_rows(bits, words, word_ends, out, line_ends, slow):
    """Lines `word v1 ... vN\\n` into `out`, one per row of `bits` (a float32 matrix viewed
    as uint32) that it can write, one after another; `words` holds the words, each followed
    by a newline, word_ends[r] the position of row r's. line_ends[r] is where row r's line
    ends in out (where it would be if it was left to Python: slow[r] set). `out` holds
    every row's word and a newline, and NUMBER_BYTES per number (with its space). Returns
    the bytes written, -1 if `out` is too small."""
    rows, dim = bits.shape
    if len(out) < len(words) + rows * dim * NUMBER_BYTES or len(word_ends) < rows:
        return -1  # (the caller's mistake: w2vcli.vectors.formats sizes out)
    pos = 0
    for r in range(rows):
        start = pos
        first = word_ends[r - 1] + 1 if r > 0 else 0
        for i in range(first, word_ends[r]):
            out[pos] = words[i]
            pos += 1
        slow[r] = 0
        for c in range(dim):
            out[pos] = SPACE
            pos = format_number(np.int64(bits[r, c]), out, pos + 1)
            if pos < 0:
                slow[r] = 1
                break
        if slow[r]:
            pos = start
        else:
            out[pos] = NEWLINE
            pos += 1
        line_ends[r] = pos
    return pos
