"""`w2v tokenize`: raw Chinese text in, space-separated words out, line for line, from a file,
a compressed file or stdin; streamed into `w2v train -`; a one-line error without jieba."""

import bz2
import gzip
import lzma
import subprocess
import sys
from itertools import islice
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.paths import SAMPLES
from w2vcli.cli import cli

RAW = "我爱北京天安门。\n\n经济发展很快，hello world 2024年\n"
W2V = [sys.executable, "-m", "w2vcli"]


def run(*args, input=None):
    result = CliRunner().invoke(cli, ["tokenize", *[str(a) for a in args]], input=input)
    assert not result.exception or isinstance(result.exception, SystemExit), result.exception
    return result


def test_segments_a_file_line_for_line(tmp_path):
    path = tmp_path / "raw.txt"
    path.write_text(RAW, encoding="utf-8")
    result = run(path)
    assert result.exit_code == 0 and result.stderr == ""
    assert result.stdout == "我 爱 北京 天安门 。\n\n经济 发展 很快 ， hello world 2024 年\n"


def test_stdin_compressed_input_and_a_byte_order_mark(tmp_path):
    expected = run("-", input=RAW).stdout
    assert expected.count("\n") == 3
    assert run(input=RAW).stdout == expected  # no SOURCE: stdin
    packed = tmp_path / "raw.txt.gz"
    packed.write_bytes(gzip.compress(("\ufeff" + RAW).encode()))
    assert run(packed).stdout == expected


@pytest.mark.parametrize("pack", [gzip.compress, bz2.compress, lzma.compress])
def test_compressed_text_on_stdin_or_in_a_file_is_read_decompressed(tmp_path, pack):
    """Before, compressed stdin was segmented as it was: garbage, exit 0."""
    expected = run("-", input=RAW).stdout
    packed = pack(RAW.encode())
    (tmp_path / "raw").write_bytes(packed)  # told by content, not by name
    for result in (run("-", input=packed), run(tmp_path / "raw")):
        assert result.exit_code == 0 and result.stdout == expected


def test_a_corpus_without_spaces_trains_through_a_pipe(tmp_path):
    """The sample corpus with its spaces removed, segmented again and trained on from stdin."""
    with open(SAMPLES / "zh.txt", encoding="utf-8") as f:
        raw = "".join(line.replace(" ", "") for line in islice(f, 500))
    (tmp_path / "raw.txt").write_text(raw, encoding="utf-8")
    out = tmp_path / "v.txt"
    tokenize = subprocess.Popen([*W2V, "tokenize", tmp_path / "raw.txt"], stdout=subprocess.PIPE)
    train = subprocess.run(
        [*W2V, "train", "-", "-o", out, "--dim", "8", "--epochs", "1", "--threads", "1", "-q"],
        stdin=tokenize.stdout,
        capture_output=True,
        timeout=120,
    )
    tokenize.stdout.close()
    assert tokenize.wait(timeout=60) == 0 and train.returncode == 0, train.stderr
    words = {line.split()[0] for line in out.read_text(encoding="utf-8").splitlines()[1:]}
    assert {"中国", "经济", "发展"} <= words  # words, not single characters


def test_without_jieba_a_one_line_error(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "jieba", None)  # import fails as if not installed
    result = run(input=RAW)
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr == "Error: w2v tokenize --lang zh needs jieba: pip install 'w2vcli[zh]'\n"


def poisoned_jieba_cache(path: Path) -> None:
    """A jieba prefix table in jieba's own cache format that knows only single characters,
    as another user of the machine could leave in /tmp/jieba.cache."""
    import marshal

    table = {char: 1 for char in set(RAW) if not char.isspace()}
    path.write_bytes(marshal.dumps((table, len(table))))


def test_a_jieba_cache_left_in_the_shared_temporary_folder_is_not_read(tmp_path):
    shared, cache = tmp_path / "tmp", tmp_path / "cache"
    shared.mkdir()
    poisoned_jieba_cache(shared / "jieba.cache")
    env = {"TMPDIR": str(shared), "W2V_CACHE_DIR": str(cache), "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [*W2V, "tokenize"], input=RAW.encode(), capture_output=True, env=env, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode().startswith("我 爱 北京 天安门 。\n")  # not 北 京
    assert (cache / "jieba.cache").exists()  # w2v's own cache, made private


def test_an_untrusted_cache_directory_is_not_used_for_jieba_either(tmp_path):
    shared, cache = tmp_path / "tmp", tmp_path / "cache"
    shared.mkdir()
    cache.mkdir(mode=0o777)
    cache.chmod(0o777)  # anyone may write here: not a place to load from
    poisoned_jieba_cache(cache / "jieba.cache")
    env = {"TMPDIR": str(shared), "W2V_CACHE_DIR": str(cache), "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [*W2V, "tokenize"], input=RAW.encode(), capture_output=True, env=env, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode().startswith("我 爱 北京 天安门 。\n")
    assert sorted(p.name for p in shared.iterdir()) == []  # its private folder was removed
