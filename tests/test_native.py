"""The prebuilt kernel (w2vcli.native) trains exactly as the JIT kernel, keeps Numba out of
the training process, and is replaced by the JIT kernel where it cannot be built."""

import subprocess
import sys

import numpy as np
import pytest

from w2vcli import native
from w2vcli.config import TrainConfig
from w2vcli.corpus import read_corpus
from w2vcli.train import Trainer, prepare


@pytest.mark.parametrize("loss", ["ns", "hs", "softmax"])
@pytest.mark.parametrize("arch", ["cbow", "skipgram"])
def test_prebuilt_kernel_trains_the_same_vectors_as_the_jit_kernel(
    small_corpus, monkeypatch, arch, loss
):
    monkeypatch.setattr("w2vcli.train.hot_rows", lambda config: 8)  # as with 2 threads
    config = TrainConfig(arch=arch, loss=loss, dim=16, epochs=2, threads=1, max_vocab=200)
    vocab, corpus = prepare(read_corpus(str(small_corpus)), config.validate())
    trained = []
    for prebuilt in (True, False):
        trainer = Trainer(vocab, corpus, config)
        trainer.compile(prebuilt)
        trained.append(trainer.run())
    assert native.train_batch() is not None, native.why_not()
    with_library, with_jit = trained
    assert with_library.epoch_losses == with_jit.epoch_losses
    np.testing.assert_array_equal(with_library.w_in, with_jit.w_in)
    np.testing.assert_array_equal(with_library.w_out, with_jit.w_out)
    assert np.abs(with_library.w_in).max() > 0  # something was trained


def test_training_with_the_prebuilt_kernel_does_not_load_numba(small_corpus, tmp_path):
    assert native.train_batch() is not None, native.why_not()
    script = (
        "import sys; from w2vcli.cli import cli; "
        f"cli(['train', {str(small_corpus)!r}, '-o', {str(tmp_path / 'v.txt')!r}, '-q'], "
        "standalone_mode=False); "
        "print(sorted(m for m in sys.modules if m.startswith(('numba', 'llvmlite'))))"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
    assert (tmp_path / "v.txt").stat().st_size > 0


def test_without_a_c_compiler_training_falls_back_to_the_jit_kernel_once(
    small_corpus, tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv("W2V_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(native.shutil, "which", lambda name: None)
    for run in range(2):
        assert native.train_batch() is None
        assert "no C compiler" in native.why_not()
        err = capsys.readouterr().err
        assert ("Numba's JIT kernel" in err) == (run == 0)  # said once, not at every run
        native._loaded.clear()
    config = TrainConfig(epochs=1, threads=1).validate()
    vocab, corpus = prepare(read_corpus(str(small_corpus)), config)
    result = Trainer(vocab, corpus, config).run()
    assert np.isfinite(result.epoch_losses[0]) and result.epoch_losses[0] > 0
    assert not list(tmp_path.glob("*.so"))
