"""Numba kernels: plain functions over arrays, no I/O, no Python objects.

Notation follows Rong, "word2vec Parameter Learning Explained": `w_in` is W (V x N, row
v_w is word w's input vector); `w_out` holds the output vectors v'_j as rows (the
paper's W' transposed, so that each is contiguous), or the V-1 inner-node vectors for
hierarchical softmax. `hidden` is h, `grad_hidden` accumulates -eta * EH.

Every output layer computes its loss and, with alpha > 0, applies its SGD update in the
same pass. With alpha = 0 it only returns the loss: the gradient check in
tests/kernel/test_kernels.py differentiates exactly the code that trains.

The sigmoid is computed, not looked up: word2vec C's 1000-entry table is off by up to
0.006 and would fail the gradient check. (An interpolated table measured no faster.)

The arrays come in the two NamedTuples of w2vcli.kernel.arrays: `m` is a Shared, by all
threads, `s` a Scratch, each thread's own.
"""

import math

import llvmlite.binding
import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

from .arrays import CBOW, HS, NS, SOFTMAX

# No nnan/ninf: the divergence check relies on NaN and inf propagating.
FASTMATH = {"nsz", "arcp", "contract", "afn", "reassoc"}
# The training entry point runs without Numba's reference counting (`_nrt=False`): passing
# the Shared and Scratch tuples down increfs and decrefs every array in them for each
# training example, and those atomic operations cost 30 % of one thread's time and most of
# a second thread's. So the kernels allocate nothing; all buffers come in Scratch.
jit = njit(cache=True, nogil=True, fastmath=FASTMATH, _nrt=False)
# Inlined at Numba's level, so that LLVM sees a whole training example at once.
inner = njit(cache=True, nogil=True, fastmath=FASTMATH, inline="always")

# word2vec C's linear congruential generator, one state per thread.
LCG_MUL = np.uint64(25214903917)
LCG_ADD = np.uint64(11)


@inner
def next_random(rng):
    """Advance the thread's generator and return 32 good (high) bits."""
    rng[0] = rng[0] * LCG_MUL + LCG_ADD
    return rng[0] >> np.uint64(16)


@inner
def uniform(rng):
    """A float in [0, 1) from the generator's high bits."""
    return np.float32((next_random(rng) & np.uint64(0xFFFFFF)) * (1.0 / 16777216.0))


@inner
def random_below(rng, n):
    """An integer in [0, n) by multiply-shift on 32 random bits."""
    return np.int64(((next_random(rng) & np.uint64(0xFFFFFFFF)) * np.uint64(n)) >> np.uint64(32))


@inner
def draw_noise(rng, noise_accept, noise_alias):
    """One word from the unigram^0.75 distribution by Walker's alias method."""
    k = random_below(rng, noise_accept.shape[0])
    # Both outcomes are loaded and one selected without a branch: the test is a coin flip
    # that the CPU cannot predict, and its mispredictions took 5 % of CBOW's time.
    alias = np.int64(noise_alias[k])
    return k if uniform(rng) < noise_accept[k] else alias


@inner
def logistic_loss(score, label):
    """E = -log p(label) for the binary classifier sigma(score): -log sigma(s) =
    log(1 + e^-s), -log(1 - sigma(s)) = log(1 + e^-s) + s."""
    real = type(score)  # float32 in training, float64 in the gradient check
    score = min(max(score, real(-30)), real(30))  # keeps exp() finite
    return math.log1p(math.exp(-score)) + (score if label == 0 else real(0))


@inner
def sigmoid(x):
    real = type(x)  # float32 in training, float64 in the gradient check
    x = min(max(x, real(-30)), real(30))  # keeps exp() finite
    return real(1) / (real(1) + exp(-x))


# Cephes' expf: e^x = 2^n e^r with n = round(x / ln 2), |r| <= ln(2) / 2, e^r by a
# polynomial. Relative error below 1e-7 (tests/kernel/test_kernels.py); unlike a call to the C
# library's expf it inlines, so the sigmoids of an example's rows are computed side by
# side in vector registers (the calls took a fifth of hs training time).
LOG2_E = 1.44269504088896341
LN2_HI, LN2_LO = 0.693359375, -2.12194440e-4  # ln 2 = LN2_HI + LN2_LO, LN2_HI exact in 9 bits
P0, P1, P2 = 1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3
P3, P4, P5 = 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1


@inner
def exp(x):
    """e^x for |x| <= 30, to float32 precision (in float64 too: relative error ~1e-9)."""
    real = type(x)
    n = np.int32(x * real(LOG2_E) + real(64.5)) - 64  # round(x / ln 2): truncation of a positive
    r = x - real(n) * real(LN2_HI) - real(n) * real(LN2_LO)
    p = ((((real(P0) * r + real(P1)) * r + real(P2)) * r + real(P3)) * r + real(P4)) * r
    return times_power_of_two((p + real(P5)) * r * r + r + real(1), n)


@intrinsic
def times_power_of_two(typingctx, x, n):
    """x * 2^n for an integer n with 2^n a normal float: 2^n is built from its bits."""

    def codegen(context, builder, signature, args):
        real = signature.args[0]
        bits, mantissa, bias = (32, 23, 127) if real == types.float32 else (64, 52, 1023)
        integer = ir.IntType(bits)
        exponent = context.cast(builder, args[1], signature.args[1], types.int64)
        if bits == 32:
            exponent = builder.trunc(exponent, integer)
        bits = builder.shl(builder.add(exponent, integer(bias)), integer(mantissa))
        scale = builder.bitcast(bits, context.get_value_type(real))
        return builder.fmul(args[0], scale)

    return x(x, n), codegen


@inner
def row_dot(vector, matrix, row):
    total = vector.dtype.type(0)
    for i in range(vector.shape[0]):
        total += vector[i] * matrix[row, i]
    return total


@inner
def row_update(grad, matrix, row, g, vector):
    """grad += g * matrix[row], then matrix[row] += g * vector."""
    for i in range(vector.shape[0]):
        grad[i] += g * matrix[row, i]
        matrix[row, i] += g * vector[i]


@inner
def two_row_dots(vector, matrix0, row0, matrix1, row1):
    """row_dot of two rows in one pass: the vector is loaded once for both, and the two
    sums' chains of additions interleave."""
    total0 = total1 = vector.dtype.type(0)
    for i in range(vector.shape[0]):
        total0 += vector[i] * matrix0[row0, i]
        total1 += vector[i] * matrix1[row1, i]
    return total0, total1


@inner
def two_row_updates(grad, matrix0, row0, g0, matrix1, row1, g1, vector):
    """row_update of row0, then of row1, in one pass: grad is loaded and stored once for
    both, not once each. Each element gets the same operations in the same order, so the
    same bits; row1 is read after row0 is written, so a row given twice (a noise word drawn
    twice) gets both updates."""
    for i in range(vector.shape[0]):
        value0 = matrix0[row0, i]
        total = grad[i] + g0 * value0
        matrix0[row0, i] = value0 + g0 * vector[i]
        value1 = matrix1[row1, i]
        grad[i] = total + g1 * value1
        matrix1[row1, i] = value1 + g1 * vector[i]


@inner
def binary_logistic_layer(m, s, n_rows, alpha, want_loss):
    """The binary classifiers sigma(v'_row^T h) against label (1 or 0) for the rows and
    labels in s.rows[:n_rows] and s.labels: returns their loss -sum log p(label), or 0
    unless `want_loss` (the logarithms are a fair share of the cost), and updates those
    rows of w_out (or of the thread's copy s.hot_out) and s.grad_hidden with
    g = eta * (label - sigma(score)) = -eta * dE/dscore.

    Each step is a loop over all rows: the rows' loads are in flight together, and the
    sigmoids are computed in vector registers. The dot products and the updates take two
    rows a pass (faster: docs/speed.md; the same vectors on Zen 3). h does not change in
    between, and the rows are distinct except for a noise word drawn twice, so this is
    word2vec C's update up to such repeats."""
    hidden, w_out, hot_out, grad_hidden = s.hidden, m.w_out, s.hot_out, s.grad_hidden
    hot_start = first_hot_row(m, s)
    coeffs, labels = s.coeffs, s.labels  # coeffs holds the scores, then the g
    for k in range(0, n_rows - 1, 2):
        matrix0, row0 = locate(w_out, hot_out, hot_start, s.rows[k])
        matrix1, row1 = locate(w_out, hot_out, hot_start, s.rows[k + 1])
        coeffs[k], coeffs[k + 1] = two_row_dots(hidden, matrix0, row0, matrix1, row1)
    if n_rows % 2:
        matrix, row = locate(w_out, hot_out, hot_start, s.rows[n_rows - 1])
        coeffs[n_rows - 1] = row_dot(hidden, matrix, row)
    loss = 0.0
    if want_loss:
        for k in range(n_rows):
            loss += logistic_loss(coeffs[k], labels[k])
    if alpha > 0:
        real = hidden.dtype.type
        for k in range(n_rows):
            coeffs[k] = real(alpha) * (real(labels[k]) - sigmoid(coeffs[k]))
        for i in range(hidden.shape[0]):
            grad_hidden[i] = 0
        for k in range(0, n_rows - 1, 2):
            matrix0, row0 = locate(w_out, hot_out, hot_start, s.rows[k])
            matrix1, row1 = locate(w_out, hot_out, hot_start, s.rows[k + 1])
            g0, g1 = coeffs[k], coeffs[k + 1]
            two_row_updates(grad_hidden, matrix0, row0, g0, matrix1, row1, g1, hidden)
        if n_rows % 2:
            matrix, row = locate(w_out, hot_out, hot_start, s.rows[n_rows - 1])
            row_update(grad_hidden, matrix, row, coeffs[n_rows - 1], hidden)
    return loss


@inner
def first_hot_row(m, s):
    """The rows each thread updates in its own copy s.hot_out start here: the top of the
    Huffman tree is w_out's last rows (hs), the most frequent words its first (ns)."""
    return m.w_out.shape[0] - s.hot_out.shape[0] if m.loss_kind == HS else 0


@inner
def locate(matrix, hot, hot_start, row):
    """Where this thread keeps `row` of `matrix`: (hot, row - hot_start) for the rows of
    its own copy `hot` of matrix[hot_start:hot_start + len(hot)], else (matrix, row)."""
    if in_copy(hot, hot_start, row):
        return hot, row - hot_start
    return matrix, row


@inner
def in_copy(hot, hot_start, row):
    return 0 <= row - hot_start < hot.shape[0]


@inner
def check_out(matrix, hot, base, start):
    """Copy matrix[start:start + len(hot)] into the thread's `hot` and its `base`."""
    for r in range(hot.shape[0]):
        for i in range(matrix.shape[1]):
            hot[r, i] = matrix[start + r, i]
            base[r, i] = matrix[start + r, i]


@inner
def check_in(matrix, hot, base, start):
    """Add the thread's change to its copy, hot - base, to the shared matrix."""
    for r in range(hot.shape[0]):
        for i in range(matrix.shape[1]):
            matrix[start + r, i] += hot[r, i] - base[r, i]


@inner
def classifiers(m, s, target):
    """Put the binary classifiers of predicting `target` in s.rows and s.labels and return
    how many. ns: E = -log sigma(v'_O h) - sum_k log sigma(-v'_k h), the target (label 1)
    and the noise words in s.negatives (0), one equal to the target skipped as in word2vec
    C. hs: E = -sum_j log sigma([[left]] v'_n(j) h) along the target's Huffman path, code 0
    meaning label 1 (word2vec C's `1 - code`)."""
    if m.loss_kind == NS:
        s.rows[0], s.labels[0] = target, 1
        n_rows = 1
        for k in range(s.negatives.shape[0]):
            if s.negatives[k] != target:
                s.rows[n_rows], s.labels[n_rows] = s.negatives[k], 0
                n_rows += 1
        return n_rows
    n_rows = m.lengths[target]
    for d in range(n_rows):
        s.rows[d], s.labels[d] = m.points[target, d], 1 - m.codes[target, d]
    return n_rows


@inner
def full_softmax(m, s, target, alpha, want_loss):
    """E = -u_target + log sum_k exp(u_k): the exact model, O(V) per pair. The loss is
    returned only when asked for, as the other layers do (it costs nothing here, but the
    trainer divides by the examples whose loss it asked for)."""
    hidden, w_out, scores = s.hidden, m.w_out, s.scores
    vocab_size = w_out.shape[0]
    top = -np.inf
    for j in range(vocab_size):
        scores[j] = row_dot(hidden, w_out, j)
        top = max(top, scores[j])
    total = 0.0
    for j in range(vocab_size):
        total += math.exp(scores[j] - top)
    loss = top + math.log(total) - scores[target]
    if alpha > 0:
        s.grad_hidden[:] = 0
        for j in range(vocab_size):
            e = math.exp(scores[j] - top) / total - (1.0 if j == target else 0.0)  # y_j - t_j
            row_update(s.grad_hidden, w_out, j, hidden.dtype.type(-alpha * e), hidden)
    return loss if want_loss else 0.0


@inner
def output_layer(m, s, target, alpha, want_loss):
    """Loss of predicting `target` from s.hidden; updates w_out and sets s.grad_hidden."""
    if m.loss_kind == SOFTMAX:
        return full_softmax(m, s, target, alpha, want_loss)
    return binary_logistic_layer(m, s, classifiers(m, s, target), alpha, want_loss)


@inner
def cbow_example(m, s, n_context, target, alpha, want_loss):
    """h is the mean (or with m.cbow_mean 0, the sum) of the input vectors of
    s.context[:n_context]; as word2vec C, each context vector then gets the whole -eta*EH
    (not EH / C as in the paper)."""
    w_in, hidden = m.w_in, s.hidden
    n = w_in.shape[1]
    # Each row index is read into a local first: Numba does not tell LLVM that a float
    # store cannot change s.context, so `w_in[s.context[k], i]` would be reloaded every i
    # and the loop left unvectorised.
    first = s.context[0]
    for i in range(n):
        hidden[i] = w_in[first, i]
    for k in range(1, n_context - 1, 2):  # two rows a pass: h is stored once for both
        row0, row1 = s.context[k], s.context[k + 1]
        for i in range(n):
            hidden[i] = (hidden[i] + w_in[row0, i]) + w_in[row1, i]
    if n_context % 2 == 0:
        row = s.context[n_context - 1]
        for i in range(n):
            hidden[i] += w_in[row, i]
    if m.cbow_mean:
        for i in range(n):
            hidden[i] /= n_context
    loss = output_layer(m, s, target, alpha, want_loss)
    if alpha > 0:
        for k in range(n_context):
            row = s.context[k]
            if m.frozen[row]:
                continue
            for i in range(n):
                w_in[row, i] += s.grad_hidden[i]
    return loss


@inner
def skipgram_example(m, s, word, target, alpha, want_loss):
    """One (word, target) pair: h is the word's input vector (word2vec C trains each
    context word's input vector against the centre word's output side)."""
    w_in = m.w_in
    n = w_in.shape[1]
    for i in range(n):
        s.hidden[i] = w_in[word, i]
    loss = output_layer(m, s, target, alpha, want_loss)
    if alpha > 0 and not m.frozen[word]:
        for i in range(n):
            w_in[word, i] += s.grad_hidden[i]
    return loss


@inner
def gather_context(s, sentence, pos, lo, hi):
    """Put the words of sentence[lo:hi] but the centre, sentence[pos], in s.context and
    return how many."""
    n = 0
    for j in range(lo, hi):
        if j != pos:
            s.context[n] = sentence[j]
            n += 1
    return n


@inner
def skipgram_window(m, s, sentence, pos, lo, hi, alpha, loss_every):
    """All the pairs (context word, centre word) of one window at once, as pWord2Vec's
    HogBatch (Ji et al. 2016): they share the centre word's output rows, its Huffman path
    (hs) or itself and one draw of noise words (ns), so the (contexts x rows) scores are
    one small matrix product over rows loaded once, not a fetch of k + 1 rows per pair.
    Every pair's gradient is taken at the window's starting point, then all are applied;
    with ns, the window's pairs share their noise words. Returns the loss of one pair in
    `loss_every` (those the pair-by-pair loop picks with LOSS_EVERY; 1 in the gradient check)."""
    n_ctx = gather_context(s, sentence, pos, lo, hi)
    if n_ctx == 0:
        return 0.0
    draw_negatives(m, s)
    n_rows = classifiers(m, s, sentence[pos])
    w_in, w_out, hot_out = m.w_in, m.w_out, s.hot_out
    grads, scores = s.window_grads, s.window_scores
    hot_start = first_hot_row(m, s)
    n = w_in.shape[1]
    real = w_in.dtype.type
    for r in range(n_rows):
        matrix, row = locate(w_out, hot_out, hot_start, s.rows[r])
        for c in range(0, n_ctx - 1, 2):  # two dot products a pass over the row
            word0, word1 = s.context[c], s.context[c + 1]
            total0, total1 = real(0), real(0)
            for i in range(n):
                total0 += w_in[word0, i] * matrix[row, i]
                total1 += w_in[word1, i] * matrix[row, i]
            scores[c, r], scores[c + 1, r] = total0, total1
        if n_ctx % 2:
            scores[n_ctx - 1, r] = row_dot(w_in[s.context[n_ctx - 1]], matrix, row)
    loss = 0.0
    counts = s.counts
    for c in range(n_ctx):
        if (counts[0] + c) % loss_every == 0:
            for r in range(n_rows):
                loss += logistic_loss(scores[c, r], s.labels[r])
            counts[1] += 1
    counts[0] += n_ctx
    if alpha <= 0:
        return loss
    for c in range(n_ctx):
        for r in range(n_rows):
            scores[c, r] = real(alpha) * (real(s.labels[r]) - sigmoid(scores[c, r]))
        for i in range(n):
            grads[c, i] = 0
    # Two context words a pass over a row: each row is read once for both words' gradients
    # (from its old value), then written once with both words' updates.
    for r in range(n_rows):
        matrix, row = locate(w_out, hot_out, hot_start, s.rows[r])
        for c in range(0, n_ctx - 1, 2):
            g0, g1 = scores[c, r], scores[c + 1, r]
            for i in range(n):
                grads[c, i] += g0 * matrix[row, i]
                grads[c + 1, i] += g1 * matrix[row, i]
        if n_ctx % 2:
            g = scores[n_ctx - 1, r]
            for i in range(n):
                grads[n_ctx - 1, i] += g * matrix[row, i]
        for c in range(0, n_ctx - 1, 2):
            word0, word1 = s.context[c], s.context[c + 1]
            g0, g1 = scores[c, r], scores[c + 1, r]
            for i in range(n):
                matrix[row, i] += g0 * w_in[word0, i] + g1 * w_in[word1, i]
        if n_ctx % 2:
            word, g = s.context[n_ctx - 1], scores[n_ctx - 1, r]
            for i in range(n):
                matrix[row, i] += g * w_in[word, i]
    for c in range(n_ctx):
        word = s.context[c]
        if not m.frozen[word]:
            for i in range(n):
                w_in[word, i] += grads[c, i]
    return loss


# The loss is computed for one training example in LOSS_EVERY: an unbiased sample for
# the progress display at a sixteenth of the cost of its logarithms.
LOSS_EVERY = 16


@inner
def draw_negatives(m, s):
    """The noise words of this example were drawn one example ago; draw the next one's now,
    and start loading their rows. Those are random rows of a matrix larger than the cache,
    and waiting for them took about a fifth of skip-gram's time (en-mix, 1 thread)."""
    for k in range(s.negatives.shape[0]):
        s.negatives[k] = s.next_negatives[k]
        word = draw_noise(s.rng, m.noise_accept, m.noise_alias)
        s.next_negatives[k] = word
        if not in_copy(s.hot_out, first_hot_row(m, s), word):
            prefetch_row(m.w_out, word)


@inner
def prefetch_output_rows(m, s, word):
    """Start loading the output rows of `word` as a target: itself (ns), or the nodes of
    its path below the thread's copy of the top of the tree (hs); nothing for softmax."""
    hot_start = first_hot_row(m, s)
    if m.loss_kind == NS:
        if not in_copy(s.hot_out, hot_start, word):
            prefetch_row(m.w_out, word)
        return
    if m.loss_kind != HS:
        return
    for d in range(m.lengths[word]):
        node = m.points[word, d]
        if not in_copy(s.hot_out, hot_start, node):
            prefetch_row(m.w_out, node)


@inner
def prefetch_row(matrix, row):
    n = matrix.shape[1]
    for i in range(0, n, 16):  # 16 float32 to a 64-byte cache line
        prefetch(matrix, row, i)
    prefetch(matrix, row, n - 1)


# The name of LLVM's prefetch for a pointer: typed pointers (`i8*`) before LLVM 15.
PREFETCH = "llvm.prefetch.p0" + ("" if llvmlite.binding.llvm_version_info >= (15,) else "i8")


@intrinsic
def prefetch(typingctx, matrix, row, column):
    """Start loading the cache line of matrix[row, column] for writing; waits for nothing."""

    def codegen(context, builder, signature, args):
        matrix_type = signature.args[0]
        array = context.make_array(matrix_type)(context, builder, args[0])
        index = [
            context.cast(builder, value, kind, types.intp)
            for value, kind in zip(args[1:], signature.args[1:])
        ]
        address = cgutils.get_item_pointer(context, builder, matrix_type, array, index)
        byte_pointer, i32 = ir.IntType(8).as_pointer(), ir.IntType(32)
        function_type = ir.FunctionType(ir.VoidType(), [byte_pointer, i32, i32, i32])
        function = cgutils.get_or_insert_function(builder.module, function_type, PREFETCH)
        # (address, 1 = for writing, 3 = keep in all cache levels, 1 = data)
        builder.call(function, [builder.bitcast(address, byte_pointer), i32(1), i32(3), i32(1)])
        return context.get_dummy_value()

    return types.none(matrix, row, column), codegen


@inner
def train_sentence(m, s, sentence, length, arch, window, alpha):
    """Train on sentence[:length] with word2vec C's dynamic window. Adds to s.counts and
    returns the sum of the losses computed."""
    counts = s.counts
    loss = 0.0
    for pos in range(length):
        # The effective window is window - reduced (gensim's shrink_windows=False: window).
        reduced = random_below(s.rng, window) if m.shrink_windows else 0
        lo = max(0, pos - window + reduced)
        hi = min(length, pos + window - reduced + 1)
        center = sentence[pos]
        if pos + 1 < length:  # start loading what the next position reads
            prefetch_output_rows(m, s, sentence[pos + 1])
            prefetch_row(m.w_in, sentence[min(pos + 1 + window, length - 1)])
        if arch == CBOW:
            c = gather_context(s, sentence, pos, lo, hi)
            if c == 0:
                continue
            draw_negatives(m, s)
            want_loss = counts[0] % LOSS_EVERY == 0
            loss += cbow_example(m, s, c, center, alpha, want_loss)
            counts[0] += 1
            counts[1] += want_loss
        elif m.batch_windows and m.loss_kind != SOFTMAX:
            loss += skipgram_window(m, s, sentence, pos, lo, hi, alpha, LOSS_EVERY)
        else:
            for j in range(lo, hi):
                if j == pos:
                    continue
                draw_negatives(m, s)
                want_loss = counts[0] % LOSS_EVERY == 0
                loss += skipgram_example(m, s, sentence[j], center, alpha, want_loss)
                counts[0] += 1
                counts[1] += want_loss
    return loss


@jit
def train_batch(m, corpus, start, end, arch, window, keep_prob, alpha, s):
    """Train on corpus[start:end] (final ids, -1 ends a line): sub-sample, cut into
    sentences, train each. Returns (loss sum, examples with loss, words read).
    end - start must not exceed s.sentence.shape[0] (there are no bounds checks)."""
    sentence = s.sentence
    s.counts[:] = 0
    check_out(m.w_out, s.hot_out, s.hot_base, first_hot_row(m, s))
    draw_negatives(m, s)  # the first example's
    loss = 0.0
    words = 0
    length = 0
    for i in range(start, end + 1):
        word = corpus[i] if i < end else -1
        if word >= 0:
            words += 1
            # Sub-sampling drops frequent words before windows are formed, as word2vec C.
            if keep_prob[word] < 1.0 and keep_prob[word] < uniform(s.rng):
                continue
            sentence[length] = word
            length += 1
        elif length > 0:
            loss += train_sentence(m, s, sentence, length, arch, window, alpha)
            length = 0
    check_in(m.w_out, s.hot_out, s.hot_base, first_hot_row(m, s))
    return loss, s.counts[1], words
