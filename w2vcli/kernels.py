"""Numba kernels: plain functions over arrays, no I/O, no Python objects.

Notation follows Rong, "word2vec Parameter Learning Explained": `w_in` is W (V x N, row
v_w is word w's input vector); `w_out` holds the output vectors v'_j as rows (the
paper's W' transposed, so that each is contiguous), or the V-1 inner-node vectors for
hierarchical softmax. `hidden` is h, `grad_hidden` accumulates -eta * EH.

Every output layer computes its loss and, with alpha > 0, applies its SGD update in the
same pass. With alpha = 0 it only returns the loss: the gradient check in
tests/test_kernels.py differentiates exactly the code that trains.

The sigmoid is computed, not looked up: word2vec C's 1000-entry table moves scores by up
to 0.006 and would break the gradient check; scores are clipped to +-30 only to keep
exp() finite.
"""

import math

import numpy as np
from numba import njit

CBOW, SKIPGRAM = 0, 1
NS, HS, SOFTMAX = 0, 1, 2

# No nnan/ninf: the divergence check relies on NaN and inf propagating.
FASTMATH = {"nsz", "arcp", "contract", "afn", "reassoc"}
jit = njit(cache=True, nogil=True, fastmath=FASTMATH)
# Inlined at Numba's level, so that the reference counts of the arrays passed down are
# pruned instead of being updated (atomically) at every call in the hot loop.
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
    if uniform(rng) < noise_accept[k]:
        return k
    return np.int64(noise_alias[k])


@inner
def binary_logistic(hidden, w_out, row, label, alpha, grad_hidden):
    """One binary classifier sigma(v'_row^T h) against `label` (1 or 0): the shared
    primitive of negative sampling and hierarchical softmax. Returns -log p(label).

    Rows are indexed, never sliced: a slice is a view whose reference count Numba
    updates atomically, and threads sharing w_out would contend for it."""
    real = hidden.dtype.type  # stay in float32 in training, float64 in the gradient check
    n = hidden.shape[0]
    score = real(0)
    for i in range(n):
        score += hidden[i] * w_out[row, i]
    score = min(max(score, real(-30)), real(30))
    e = math.exp(-score)
    p = real(1) / (real(1) + e)  # sigma(score)
    if alpha > 0:
        g = real(alpha) * (real(label) - p)  # -eta * dE/dscore
        for i in range(n):
            grad_hidden[i] += g * w_out[row, i]
            w_out[row, i] += g * hidden[i]
    # -log sigma(s) = log(1 + e^-s); -log(1 - sigma(s)) = log(1 + e^-s) + s
    return math.log1p(e) + (score if label == 0 else real(0))


@inner
def negative_sampling(hidden, w_out, target, negatives, alpha, grad_hidden):
    """E = -log sigma(v'_O h) - sum_k log sigma(-v'_k h); a noise word equal to the
    target is skipped, as in word2vec C."""
    loss = binary_logistic(hidden, w_out, target, 1, alpha, grad_hidden)
    for k in range(negatives.shape[0]):
        if negatives[k] != target:
            loss += binary_logistic(hidden, w_out, negatives[k], 0, alpha, grad_hidden)
    return loss


@inner
def hierarchical_softmax(hidden, w_inner, target, codes, points, lengths, alpha, grad_hidden):
    """E = -sum_j log sigma([[left]] v'_n(j) h) along the target's Huffman path; code 0
    means the target of node j's classifier is 1 (word2vec C's `1 - code`)."""
    loss = 0.0
    for d in range(lengths[target]):
        loss += binary_logistic(
            hidden, w_inner, points[target, d], 1 - codes[target, d], alpha, grad_hidden
        )
    return loss


@inner
def full_softmax(hidden, w_out, target, alpha, grad_hidden, scores):
    """E = -u_target + log sum_k exp(u_k): the exact model, O(V) per pair."""
    vocab_size, n = w_out.shape
    top = -np.inf
    for j in range(vocab_size):
        u = 0.0
        for i in range(n):
            u += hidden[i] * w_out[j, i]
        scores[j] = u
        top = max(top, u)
    total = 0.0
    for j in range(vocab_size):
        total += math.exp(scores[j] - top)
    loss = top + math.log(total) - scores[target]
    if alpha > 0:
        for j in range(vocab_size):
            e = math.exp(scores[j] - top) / total - (1.0 if j == target else 0.0)
            g = hidden.dtype.type(-alpha * e)
            for i in range(n):
                grad_hidden[i] += g * w_out[j, i]
                w_out[j, i] += g * hidden[i]
    return loss


@inner
def output_layer(
    loss_kind, hidden, w_out, target, negatives, codes, points, lengths, alpha, grad_hidden, scores
):
    """Loss of predicting `target` from `hidden`, updating w_out and grad_hidden."""
    grad_hidden[:] = 0
    if loss_kind == NS:
        return negative_sampling(hidden, w_out, target, negatives, alpha, grad_hidden)
    if loss_kind == HS:
        return hierarchical_softmax(
            hidden, w_out, target, codes, points, lengths, alpha, grad_hidden
        )
    return full_softmax(hidden, w_out, target, alpha, grad_hidden, scores)


@inner
def cbow_example(
    w_in,
    w_out,
    context,
    n_context,
    target,
    loss_kind,
    negatives,
    codes,
    points,
    lengths,
    alpha,
    hidden,
    grad_hidden,
    scores,
):
    """h is the mean of the input vectors of context[:n_context]; as word2vec C, each
    context vector then gets the whole -eta*EH (not EH / C as in the paper)."""
    n = w_in.shape[1]
    hidden[:] = 0
    for k in range(n_context):
        for i in range(n):
            hidden[i] += w_in[context[k], i]
    for i in range(n):
        hidden[i] /= n_context
    loss = output_layer(
        loss_kind,
        hidden,
        w_out,
        target,
        negatives,
        codes,
        points,
        lengths,
        alpha,
        grad_hidden,
        scores,
    )
    if alpha > 0:
        for k in range(n_context):
            for i in range(n):
                w_in[context[k], i] += grad_hidden[i]
    return loss


@inner
def skipgram_example(
    w_in,
    w_out,
    word,
    target,
    loss_kind,
    negatives,
    codes,
    points,
    lengths,
    alpha,
    hidden,
    grad_hidden,
    scores,
):
    """One (word, target) pair: h is the word's input vector (word2vec C trains each
    context word's input vector against the centre word's output side)."""
    n = w_in.shape[1]
    for i in range(n):
        hidden[i] = w_in[word, i]
    loss = output_layer(
        loss_kind,
        hidden,
        w_out,
        target,
        negatives,
        codes,
        points,
        lengths,
        alpha,
        grad_hidden,
        scores,
    )
    if alpha > 0:
        for i in range(n):
            w_in[word, i] += grad_hidden[i]
    return loss


@inner
def train_sentence(
    sentence,
    length,
    arch,
    loss_kind,
    w_in,
    w_out,
    window,
    noise_accept,
    noise_alias,
    codes,
    points,
    lengths,
    alpha,
    rng,
    context,
    negatives,
    hidden,
    grad_hidden,
    scores,
):
    """Train on sentence[:length] with word2vec C's dynamic window. Returns (loss, examples)."""
    loss = 0.0
    examples = 0
    for pos in range(length):
        reduced = random_below(rng, window)  # effective window is window - reduced
        lo = max(0, pos - window + reduced)
        hi = min(length, pos + window - reduced + 1)
        center = sentence[pos]
        if arch == CBOW:
            c = 0
            for j in range(lo, hi):
                if j != pos:
                    context[c] = sentence[j]
                    c += 1
            if c == 0:
                continue
            if loss_kind == NS:
                for k in range(negatives.shape[0]):
                    negatives[k] = draw_noise(rng, noise_accept, noise_alias)
            loss += cbow_example(
                w_in,
                w_out,
                context,
                c,
                center,
                loss_kind,
                negatives,
                codes,
                points,
                lengths,
                alpha,
                hidden,
                grad_hidden,
                scores,
            )
            examples += 1
        else:
            for j in range(lo, hi):
                if j == pos:
                    continue
                if loss_kind == NS:
                    for k in range(negatives.shape[0]):
                        negatives[k] = draw_noise(rng, noise_accept, noise_alias)
                loss += skipgram_example(
                    w_in,
                    w_out,
                    sentence[j],
                    center,
                    loss_kind,
                    negatives,
                    codes,
                    points,
                    lengths,
                    alpha,
                    hidden,
                    grad_hidden,
                    scores,
                )
                examples += 1
    return loss, examples


@jit
def train_batch(
    corpus,
    start,
    end,
    arch,
    loss_kind,
    w_in,
    w_out,
    window,
    negative,
    keep_prob,
    noise_accept,
    noise_alias,
    codes,
    points,
    lengths,
    alpha,
    rng,
):
    """Train on corpus[start:end] (final ids, -1 ends a line): sub-sample, cut into
    sentences, train each. Returns (loss sum, examples, words read)."""
    n = w_in.shape[1]
    sentence = np.empty(end - start, dtype=np.int32)
    context = np.empty(2 * window, dtype=np.int32)
    negatives = np.empty(negative, dtype=np.int32)
    hidden = np.empty(n, dtype=w_in.dtype)
    grad_hidden = np.empty(n, dtype=w_in.dtype)
    scores = np.empty(w_out.shape[0] if loss_kind == SOFTMAX else 1, dtype=np.float64)
    loss = 0.0
    examples = 0
    words = 0
    length = 0
    for i in range(start, end + 1):
        word = corpus[i] if i < end else -1
        if word >= 0:
            words += 1
            # Sub-sampling drops frequent words before windows are formed, as word2vec C.
            if keep_prob[word] < 1.0 and keep_prob[word] < uniform(rng):
                continue
            sentence[length] = word
            length += 1
        elif length > 0:
            s_loss, s_examples = train_sentence(
                sentence,
                length,
                arch,
                loss_kind,
                w_in,
                w_out,
                window,
                noise_accept,
                noise_alias,
                codes,
                points,
                lengths,
                alpha,
                rng,
                context,
                negatives,
                hidden,
                grad_hidden,
                scores,
            )
            loss += s_loss
            examples += s_examples
            length = 0
    return loss, examples, words
