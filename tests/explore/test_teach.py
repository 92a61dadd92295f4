"""`w2v teach`: what the page shows is what the kernel did. Through the JSON API, for
every architecture and loss: the change of W' is -eta e_j h for each output row shown and
nothing else, the change of each input vector -eta EH, EH the sum of e_j v'_j over W'
as it was, h the input vectors' average, e_j the gradient of the loss (by finite
differences); training on the fruit preset brings apple and orange together; bad
requests are 4xx JSON; concurrent steps are never lost; the CLI's one-line errors. And
what cannot harm a lesson: requests from other sites (refused), learning rates out of
range (refused), a model that diverges all the same (the step refused, the lesson usable),
Unicode spaces in a corpus (inside tokens, as training reads them)."""

import itertools
import json
import os
import re
import select
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from click.testing import CliRunner

from w2vcli.cli import cli
from w2vcli.explore.serve import serve_forever
from w2vcli.explore.teach import PRESETS, Lesson, make_server


@pytest.fixture(scope="module")
def api():
    server = make_server(Lesson(PRESETS["fruit"][1], "fruit"), port=0)
    threading.Thread(target=serve_forever, args=(server,), daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"

    def get(path, headers=None):
        try:
            asked = urllib.request.Request(base + path, headers=headers or {})
            with urllib.request.urlopen(asked, timeout=60) as answer:
                return answer.status, json.load(answer)
        except urllib.error.HTTPError as e:
            return e.code, json.load(e)

    get.origin = base
    yield get
    server.shutdown()


@pytest.mark.parametrize("loss", ["softmax", "hs", "ns"])
@pytest.mark.parametrize("arch", ["cbow", "skipgram"])
def test_the_update_shown_is_the_change_made(api, arch, loss):
    status, state = api(f"/api/restart?preset=fruit&arch={arch}&loss={loss}&window=2&dim=4")
    assert status == 200 and state["last"] is None and state["done"] == 0
    _, state = api("/api/step?n=37")  # past the zero output vectors of the start
    for _ in range(3):
        before = state
        status, state = api("/api/step?n=1")
        assert status == 200 and state["done"] == before["done"] + 1
        last = state["last"]
        eta = last["alpha"]
        w_in, w_out = np.array(before["W"]), np.array(before["W_out"])
        new_in, new_out = np.array(state["W"]), np.array(state["W_out"])
        h, eh = np.array(last["h"]), np.array(last["EH"])
        inputs = last["input_rows"]
        assert last["inputs"] == [state["words"][r] for r in inputs]
        assert np.allclose(h, w_in[inputs].mean(axis=0), atol=1e-12)  # one word: its vector
        rows = [o["row"] for o in last["outputs"]]
        e = np.array([o["e"] for o in last["outputs"]])
        assert np.allclose([o["y"] - o["t"] for o in last["outputs"]], e)
        assert np.allclose([o["u"] for o in last["outputs"]], w_out[rows] @ h)
        # W': each output row moved by -eta e_j h, no other row moved
        expected_out = w_out.copy()
        np.add.at(expected_out, rows, -eta * np.outer(e, h))
        assert np.allclose(new_out, expected_out, atol=1e-10)
        assert set(map(int, last["delta_W_out"])) == {r for r, x in zip(rows, e) if x != 0}
        # EH = sum_j e_j v'_j with W' as it was, the rows taken in turn (a noise word
        # drawn twice meets its row moved once already, as in word2vec C); each input
        # vector moved by -eta EH
        seen, expected_eh = w_out.copy(), np.zeros_like(h)
        for r, e_j in zip(rows, e):
            expected_eh += e_j * seen[r]
            seen[r] -= eta * e_j * h
        assert np.allclose(eh, expected_eh, atol=1e-10)
        if len(set(rows)) == len(rows):
            assert np.allclose(eh, e @ w_out[rows], atol=1e-10)
        expected_in = w_in.copy()
        np.add.at(expected_in, inputs, -eta * eh)
        assert np.allclose(new_in, expected_in, atol=1e-10)
        if loss == "softmax":
            assert rows == list(range(len(state["words"])))
            assert np.isclose(sum(o["y"] for o in last["outputs"]), 1)
            target = last["target_row"]
            assert [o["t"] for o in last["outputs"]] == [float(r == target) for r in rows]
            assert np.isclose(last["loss"], -np.log(last["outputs"][target]["y"]))
        elif loss == "ns":
            assert rows[0] == last["target_row"] and [o["t"] for o in last["outputs"]][0] == 1
            assert [state["words"][r] for r in rows[1:]] == [
                w for w in last["negatives"] if w != last["target"]
            ]
        else:
            assert all(label.startswith("n") for label in (o["label"] for o in last["outputs"]))


def test_errors_are_the_gradient_of_the_loss():
    """e_j h is dE/dv'_j: the loss of the example as a function of W', by central
    differences, for the exact softmax (the paper's equations 8 and 11)."""
    lesson = Lesson(PRESETS["fruit"][1], "fruit", dim=3, window=2)
    lesson.step(25)
    w_out = lesson.w_out.copy()
    last = lesson.step(1)["last"]
    h, target = np.array(last["h"]), last["target_row"]

    def loss(matrix):
        u = matrix @ h
        return -u[target] + np.log(np.exp(u - u.max()).sum()) + u.max()

    numeric = np.zeros_like(w_out)
    for index in np.ndindex(w_out.shape):
        step = np.zeros_like(w_out)
        step[index] = 1e-6
        numeric[index] = (loss(w_out + step) - loss(w_out - step)) / 2e-6
    e = np.array([o["e"] for o in last["outputs"]])
    assert np.allclose(numeric, np.outer(e, h), atol=1e-7)


def test_training_brings_words_used_alike_together():
    lesson = Lesson(PRESETS["fruit"][1], "fruit", arch="skipgram", dim=5, window=2)
    state = lesson.step(1000)
    w = np.array(state["W"])
    w /= np.linalg.norm(w, axis=1, keepdims=True)
    row = {word: i for i, word in enumerate(state["words"])}
    assert w[row["apple"]] @ w[row["orange"]] > w[row["apple"]] @ w[row["drink"]] + 0.3
    losses = [lesson.step(1)["last"]["loss"] for _ in range(len(lesson.examples))]
    first = Lesson(PRESETS["fruit"][1], "fruit", arch="skipgram", dim=5, window=2)
    start = [first.step(1)["last"]["loss"] for _ in range(len(first.examples))]
    assert np.mean(losses) < 0.8 * np.mean(start)


def test_the_map_shows_where_the_last_step_moved_each_vector(api):
    _, state = api("/api/restart?preset=zh&arch=cbow&loss=ns&dim=4")
    assert "北京" in state["words"] and state["map"]["inputs_before"] is None
    _, state = api("/api/step?n=10")
    m = state["map"]
    assert len(m["inputs"]) == len(state["words"]) and len(m["outputs"]) == len(state["W_out"])
    moved = {int(r) for r in state["last"]["delta_W"]}
    for r, (now, before) in enumerate(zip(m["inputs"], m["inputs_before"])):
        assert (now != before) == (r in moved)


@pytest.mark.parametrize(
    "path, status, parameter",
    [
        ("/api/step?n=1001", 400, "n"),
        ("/api/step?n=abc", 400, "n"),
        ("/api/step?n=1&alpha=nan", 400, "alpha"),
        ("/api/step?n=1&alpha=-1", 400, "alpha"),
        ("/api/restart?arch=glove", 400, "arch"),
        ("/api/restart?dim=999", 400, "dim"),
        ("/api/restart?dim=2.5", 400, "dim"),
        ("/api/restart?preset=../../etc/passwd", 400, "preset"),
        ("/api/restart?preset=corpus", 400, "preset"),  # no CORPUS was given
        ("/api/nothing", 404, None),
    ],
)
def test_bad_requests_are_json_errors(api, path, status, parameter):
    got, answer = api(path)
    assert got == status and "error" in answer
    assert answer.get("parameter") == parameter


def test_alpha_changes_and_concurrent_steps_all_count(api):
    _, state = api("/api/restart?preset=fruit&arch=cbow&loss=softmax")
    _, state = api("/api/step?n=0&alpha=0.05")
    assert state["settings"]["alpha"] == 0.05 and state["done"] == 0
    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(lambda _: api("/api/step?n=5"), range(40)))
    assert all(status == 200 for status, _ in answers)
    assert api("/api/state")[1]["done"] == 200
    assert sorted(a["done"] for _, a in answers) == list(range(5, 201, 5))


def test_cli_errors_are_one_line(tmp_path):
    big = tmp_path / "big.txt"
    big.write_text(" ".join(f"w{i}" for i in range(100)) + "\n")
    for args, message in [
        (["--dim", "50"], "--dim 50: give 2 to 20"),
        (["--arch", "glove"], "Invalid value for '--arch'"),
        ([str(tmp_path / "none.txt")], "no such file"),
        ([str(big)], "100 different words"),
    ]:
        result = CliRunner().invoke(cli, ["teach", *args, "--port", "0"])
        assert result.exit_code != 0 and message in result.output, result.output
        assert "Traceback" not in result.output


def start_teach(*args) -> subprocess.Popen:
    command = [sys.executable, "-m", "w2vcli", "teach", "--port", "0", *args]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def lines_until(process: subprocess.Popen, last: str, seconds: float = 120) -> list:
    """The lines of its stderr until `last` has come (it must come in time)."""
    seen, deadline = b"", time.monotonic() + seconds
    while last.encode() not in seen:
        assert time.monotonic() < deadline, seen
        if select.select([process.stderr], [], [], 0.1)[0]:
            chunk = os.read(process.stderr.fileno(), 1 << 16)  # (not its buffer: select)
            assert chunk, f"it ended before {last!r}: {seen}"
            seen += chunk
    return seen.decode().splitlines(keepends=True)


def test_the_command_says_what_it_does_as_it_starts_and_stops_at_once():
    process = start_teach()
    try:
        lines = lines_until(process, "(Ctrl-C to stop)\n")
        assert len(lines) == 3, lines
        assert lines[0].startswith("loading the teaching kernels (compiled the first time")
        assert lines[1] == "teaching fruit: 10 words, 22 examples\n"
        url = re.fullmatch(r"at (http://127\.0\.0\.1:\d+/) \(Ctrl-C to stop\)\n", lines[2])
        assert url, lines
        with urllib.request.urlopen(url[1] + "api/state", timeout=30) as response:
            assert json.load(response)["done"] == 0
        t0 = time.monotonic()
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=30)
        stopped = time.monotonic() - t0
    finally:
        process.kill()
    assert process.returncode == 130 and stdout == "" and stderr == "w2v: stopped\n"
    assert stopped < 2  # about 0.05 s; Numba's teardown took 0.3 to 1.8 s


def test_stopped_while_it_starts_it_says_stopped_not_no_output_written():
    process = start_teach()
    try:
        assert lines_until(process, "\n")[0].startswith("loading the teaching kernels")
        process.send_signal(signal.SIGINT)  # while it loads or compiles them, or serves
        stdout, stderr = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 130 and stderr.splitlines()[-1] == "w2v: stopped"
    assert "no output written" not in stderr and "Traceback" not in stderr


def test_restart_keeps_the_learning_rate_and_the_corpus_name():
    from w2vcli.explore.teach import Teacher

    text = "the cat sat\nthe dog sat\n"
    teacher = Teacher(Lesson(text, "pets.txt"), text)
    teacher.step({"n": "0", "alpha": "0.05"})
    assert teacher.restart({"arch": "skipgram"})["settings"]["alpha"] == 0.05
    assert teacher.restart({"preset": "fruit"})["corpus"] == "fruit"
    back = teacher.restart({"preset": "corpus"})
    assert back["corpus"] == "pets.txt" and back["words"][0] in ("the", "sat")
    assert teacher.presets()["presets"][0] == {"name": "corpus", "title": "pets.txt"}


# What a page elsewhere, a learning rate or a corpus cannot do to a lesson.

CROSS_SITE = [
    {"Origin": "http://evil.example"},
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site"},  # another port of localhost
    {"Origin": "http://localhost:1"},
    {"Origin": "null"},
    {"Sec-Fetch-Site": "same-origin", "Origin": "http://evil.example"},
]


@pytest.mark.parametrize("headers", CROSS_SITE)
def test_another_site_cannot_drive_the_lesson(api, headers):
    """/api/step and /api/restart change the lesson on a GET: a link, an image or a
    script of another site must not reach them (the browser says where it comes from)."""
    status, before = api("/api/restart?preset=fruit&arch=cbow&loss=softmax")
    assert status == 200 and before["done"] == 0
    for path in ["/api/step?n=5", "/api/restart?preset=zh&arch=skipgram", "/api/state"]:
        status, answer = api(path, headers)
        assert status == 403 and set(answer) == {"error"}, (path, answer)
    _, after = api("/api/state")
    assert after["done"] == 0 and after["corpus"] == "fruit"
    assert after["settings"] == before["settings"] and after["W"] == before["W"]


def test_the_own_page_drives_the_lesson(api):
    own = [
        {"Sec-Fetch-Site": "same-origin"},  # the page's fetches
        {"Sec-Fetch-Site": "same-origin", "Origin": api.origin},
        {"Sec-Fetch-Site": "none"},  # an address typed
        {},  # a program
    ]
    _, state = api("/api/restart?preset=fruit")
    for headers in own:
        done = state["done"]
        status, state = api("/api/step?n=2", headers)
        assert status == 200 and state["done"] == done + 2, headers


@pytest.mark.parametrize("value", ["5", "0.6", "0", "-1", "-0.0", "inf", "nan", "1e309"])
def test_a_learning_rate_out_of_range_is_refused(api, value):
    """Above 0.5 the lesson diverges (its vectors NaN, every later answer an error);
    refused with a 400 naming alpha and its range, the lesson as it was."""
    _, before = api("/api/restart?preset=fruit&alpha=0.1")
    for path in [f"/api/restart?alpha={value}", f"/api/step?n=1&alpha={value}"]:
        status, answer = api(path)
        assert status == 400 and answer["parameter"] == "alpha", answer
        assert "above 0, at most 0.5" in answer["error"] and "\n" not in answer["error"]
    status, state = api("/api/step?n=1")
    assert status == 200 and state["done"] == 1 and state["settings"]["alpha"] == 0.1


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf"])
def test_the_cli_refuses_a_learning_rate_out_of_range(value):
    result = CliRunner().invoke(cli, ["teach", "--alpha", value, "--port", "0"])
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr == f"Error: --alpha {float(value)}: give above 0, at most 0.5 " \
        "(larger learning rates diverge)\n"  # fmt: skip


def test_the_cli_refuses_alpha_5_at_once():
    """The command itself, in a process: before the port is taken or a kernel compiled."""
    done = subprocess.run(
        [sys.executable, "-m", "w2vcli", "teach", "--alpha", "5", "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr == "Error: --alpha 5.0: give above 0, at most 0.5 " \
        "(larger learning rates diverge)\n"  # fmt: skip


def test_a_diverged_step_is_refused_and_the_lesson_stays_usable():
    """A lesson whose numbers become NaN or infinite all the same (here: its learning rate
    set past the range, as no request can) refuses the step with a 400 that says to
    restart with a smaller eta, and stays as it was: every answer after it is JSON."""
    server = make_server(Lesson(PRESETS["fruit"][1], "fruit"), port=0)
    threading.Thread(target=serve_forever, args=(server,), daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"

    def get(path):
        try:
            with urllib.request.urlopen(base + path, timeout=60) as answer:
                return answer.status, json.load(answer)
        except urllib.error.HTTPError as e:
            return e.code, json.load(e)

    try:
        server.app.lesson.alpha = 5.0
        for _ in range(50):
            status, answer = get("/api/step?n=500")
            if status != 200:
                break
            before = answer
        assert status == 400 and answer["parameter"] == "alpha", answer
        assert "diverged" in answer["error"] and "smaller eta" in answer["error"]
        status, state = get("/api/state")  # the lesson as the last step left it
        assert status == 200 and state["done"] == before["done"]
        assert np.isfinite(state["W"]).all() and np.isfinite(state["W_out"]).all()
        assert np.isfinite(state["map"]["inputs"]).all()
        assert get("/api/step?n=1&alpha=0.1")[0] in (200, 400)  # never a 500
        status, state = get("/api/restart?alpha=0.1")
        assert status == 200 and state["done"] == 0
        status, state = get("/api/step?n=100")
        assert status == 200 and state["done"] == 100
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("loss", ["softmax", "ns"])
def test_a_diverged_step_changes_nothing(loss):
    from w2vcli.errors import TrainingDiverged

    lesson = Lesson(PRESETS["zh"][1], "zh", loss=loss, negative=10)
    lesson.alpha = 50.0  # past the range, as no request or option can set it
    before = lesson.state()
    with pytest.raises(TrainingDiverged, match="restart with a smaller eta"):
        for _ in range(100):
            before = lesson.step(100)
    assert lesson.state() == before and lesson.alpha == 50.0
    assert lesson.step(5, alpha=0.1)["done"] == before["done"] + 5  # still a lesson


def test_the_map_takes_any_numbers():
    """Huge vectors (a lesson about to diverge), and even NaN and infinities, are mapped
    without an error: the projection of a number that is not finite is 0."""
    lesson = Lesson(PRESETS["fruit"][1], "fruit")
    lesson.step(10)
    lesson.w_in *= 1e160
    lesson.w_out *= 1e160
    huge = lesson.state()["map"]
    assert np.isfinite(huge["inputs"]).all() and np.isfinite(huge["variance"]).all()
    lesson.w_in[0, 0], lesson.w_in[1, 1], lesson.w_out[2, 0] = np.nan, np.inf, -np.inf
    broken = lesson.state()["map"]
    assert np.isfinite(broken["inputs"]).all() and np.isfinite(broken["outputs"]).all()


def test_the_corpus_is_split_as_training_splits_it(tmp_path):
    """Tokens are split on ASCII white space (space, tab, CR, LF, VT, FF; and NUL) only,
    sentences on LF: U+3000, U+00A0 and the Unicode line separators stay inside a token,
    as `w2v train` reads a corpus (w2vcli.text.corpus)."""
    from w2vcli.text.corpus import LINE_END, read_corpus

    text = (
        "我们\u3000一起 吃\u00a0饭 吃 饭\n"
        "new\u00a0york is\tbig\r\n"
        "a\u2028b c\x85d e\x1cf\x0bg\x0ch\n"
        "\u3000 x\u2029y\u2003z x\0x\n"
    )
    lesson = Lesson(text, "corpus.txt")
    assert "我们\u3000一起" in lesson.words and "new\u00a0york" in lesson.words
    assert "吃\u00a0饭" in lesson.words and "a\u2028b" in lesson.words
    path = tmp_path / "corpus.txt"
    path.write_text(text, encoding="utf-8")
    raw = read_corpus(str(path))
    tokens = [t.decode() for t in raw.tokens]
    lines = itertools.groupby(np.asarray(raw.ids).tolist(), lambda i: i == LINE_END)
    trained = [[tokens[i] for i in line] for end, line in lines if not end]
    assert lesson.state()["sentences"] == trained
    assert sorted(lesson.words) == sorted(tokens)
