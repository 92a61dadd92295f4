"""`w2v teach`'s page in a real browser (Debian's Chromium, driven by Playwright): what it
shows after each step (the example, e_j, the rows of W and W' the step changed, their
values, the map's points and arrows) is what the API says the kernel computed; its
buttons and settings; Chinese words; and no script error or CSP violation on the way."""

import http.client
import json
import re
from urllib.parse import urlencode

import numpy as np
import pytest

from tests.browser import expect, page_files, serving
from w2vcli.explore.teach import PRESETS, Lesson, make_server

CORPUS = "the cat sat on the mat\nthe dog sat on the log\n"


def lesson(preset: str = "fruit", **settings) -> Lesson:
    return Lesson(PRESETS[preset][1], preset, **settings)


def running(taught: Lesson, corpus_text=None):
    """A teaching server of `taught` on a free port of 127.0.0.1, answering from a thread."""
    return serving(make_server(taught, corpus_text, port=0))


@pytest.fixture
def server():
    with running(lesson()) as started:
        yield started


def request(server, path: str):
    host, port = server.server_address[:2]
    connection = http.client.HTTPConnection(host, port, timeout=30)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def api(server, endpoint: str = "state", **params) -> dict:
    status, _, body = request(server, f"/api/{endpoint}?{urlencode(params)}")
    assert status == 200, body
    return json.loads(body)


# The page, as served.


def test_the_page_and_its_files(server):
    kinds = page_files(request(server, "/")[2].decode(), "teach")
    for path, kind in kinds.items():
        status, headers, body = request(server, path)
        assert status == 200 and headers["Content-Type"] == kind and len(body) > 500
        assert headers["Content-Security-Policy"].startswith("default-src 'self';")
    for path in ("/static/common.js", "/static/teach.js"):
        script = request(server, path)[2].decode()
        assert (
            "innerHTML" not in script
            and "eval(" not in script
            and "http" not in script.replace("http://www.w3.org/2000/svg", "")
        ), path
    css = request(server, "/static/common.css")[2].decode()
    assert '"Noto Sans CJK SC", "Noto Sans SC"' in css and '"Microsoft YaHei"' in css


# The page in a browser (the fixtures `browser` and `page`: conftest.py).


def number(text: str) -> float:
    return float(text.strip().replace("−", "-"))


def assert_shown(text: str, value: float) -> None:
    """`text` is `value` to the precision it is shown with."""
    digits = len(text.strip().partition(".")[2])
    assert abs(number(text) - value) <= 0.5 * 10**-digits + 1e-12, (text, value)


def open_page(page, server, title: str = "Fruit and drinks"):
    page.goto(server.url)
    expect()(page.get_by_test_id("info")).to_contain_text(title)


def touched_rows(page, kind: str) -> set:
    rows = page.locator(f"[data-testid={kind}-row].touched")
    return {int(r) for r in rows.evaluate_all("rows => rows.map(r => r.dataset.row)")}


def cell_values(page, kind: str, row: int) -> list:
    """The values of a row of W (kind w) or W' (wout) in the cells' titles."""
    titles = page.locator(f"[data-testid={kind}-row][data-row='{row}'] [data-testid={kind}-cell]")
    shown = titles.evaluate_all("cells => cells.map(c => c.title)")
    return [number(re.search(r"= (\S+)", title)[1]) for title in shown]


def output_rows(page) -> list:
    """The output layer's rows as shown: {row, label, out-label, out-u, out-y, out-t, out-e}."""
    return page.get_by_test_id("output-row").evaluate_all(
        """rows => rows.map(row => {
            const shown = {row: row.dataset.row, label: row.dataset.label};
            for (const cell of row.querySelectorAll("[data-testid^=out-]"))
                shown[cell.dataset.testid] = cell.textContent;
            return shown;
        })"""
    )


def step_to(page, testid: str, done: int) -> None:
    page.get_by_test_id(testid).click()
    expect()(page.get_by_test_id("steps")).to_have_text(str(done))


def test_the_page_before_the_first_step(page, server):
    check = expect()
    open_page(page, server)
    state = api(server)
    check(page.get_by_test_id("info")).to_contain_text("V = 10 words")
    check(page.get_by_test_id("steps")).to_have_text("0")
    check(page.get_by_test_id("epoch")).to_have_text("0")
    check(page.get_by_test_id("last-loss")).to_have_text("–")
    check(page.get_by_test_id("w-row")).to_have_count(10)
    check(page.get_by_test_id("wout-row")).to_have_count(10)
    check(page.get_by_test_id("w-cell")).to_have_count(10 * 5)
    assert touched_rows(page, "w") == touched_rows(page, "wout") == set()
    first = state["next"]
    check(page.get_by_test_id("next-example")).to_contain_text(
        f"{' '.join(first['inputs'])} → {first['target']}"
    )
    assert (
        page.get_by_test_id("w-row").evaluate_all("r => r.map(x => x.dataset.label)")
        == (state["words"])
    )
    for testid, value in [("arch", "cbow"), ("loss", "softmax"), ("dim", "5"), ("window", "1")]:
        check(page.get_by_test_id(testid)).to_have_value(value)
    check(page.get_by_test_id("alpha")).to_have_value("0.2")
    check(page.get_by_test_id("output-row")).to_have_count(0)
    check(page.get_by_test_id("eq-eta")).to_have_text("0.2")


def test_next_trains_one_example_and_shows_what_the_kernel_did(page, server):
    check = expect()
    open_page(page, server)
    step_to(page, "next", 1)
    state = api(server)
    last = state["last"]
    check(page.get_by_test_id("epoch")).to_have_text("0")
    check(page.get_by_test_id("last-inputs")).to_have_text(" ".join(last["inputs"]))
    check(page.get_by_test_id("last-target")).to_have_text(last["target"])
    check(page.get_by_test_id("model-name")).to_have_text(last["model"])
    assert_shown(page.get_by_test_id("last-loss").text_content(), last["loss"])
    # the rows the step changed are the ones outlined: all of W' (softmax), none of W yet
    # (its first update meets v'_j = 0)
    assert touched_rows(page, "wout") == {int(r) for r in last["delta_W_out"]} == set(range(10))
    assert touched_rows(page, "w") == set() and last["delta_W"] == {}
    check(page.get_by_test_id("equation-in")).to_contain_text("W does not move yet")
    # the output layer: u_j, y_j, t_j, e_j of every row, as the API has them
    rows = page.get_by_test_id("output-row")
    check(rows).to_have_count(len(last["outputs"]))
    for shown, output in zip(output_rows(page), last["outputs"], strict=True):
        assert shown["row"] == str(output["row"]) and output["label"] in shown["out-label"]
        for name in ("u", "y", "e"):
            assert_shown(shown[f"out-{name}"], output[name])
        assert number(shown["out-t"]) == output["t"]
    [target] = [o for o in last["outputs"] if o["row"] == last["target_row"]]
    assert target["t"] == 1
    assert_shown(page.get_by_test_id("eq-e-target").text_content(), target["e"])
    check(page.get_by_test_id("eq-eta")).to_have_text("0.2")
    assert_shown(page.get_by_test_id("eq-eh").text_content(), float(np.linalg.norm(last["EH"])))
    h_cells = page.get_by_test_id("h-cell")
    check(h_cells).to_have_count(5)
    for shown, value in zip(h_cells.all_text_contents(), last["h"]):
        assert_shown(shown, value)

    # the second step: W moves too; the values on hover are the API's W and W'
    step_to(page, "next", 2)
    state = api(server)
    last = state["last"]
    assert last["delta_W"], "the second example's EH is not 0"
    assert touched_rows(page, "w") == {int(r) for r in last["delta_W"]}
    assert touched_rows(page, "wout") == {int(r) for r in last["delta_W_out"]}
    for kind, matrix, delta in [("w", "W", "delta_W"), ("wout", "W_out", "delta_W_out")]:
        for row in last[delta]:
            shown = cell_values(page, kind, int(row))
            np.testing.assert_allclose(shown, state[matrix][int(row)], atol=5e-7)
    # and a row the step did not change
    untouched = next(r for r in range(10) if str(r) not in last["delta_W"])
    np.testing.assert_allclose(cell_values(page, "w", untouched), state["W"][untouched], atol=5e-7)
    check(page.get_by_test_id("equation-in")).to_contain_text(" moves by ")


def test_the_step_buttons(page, server):
    check = expect()
    open_page(page, server)
    examples = api(server)["examples"]
    step_to(page, "step-100", 100)
    check(page.get_by_test_id("epoch")).to_have_text(str(100 // examples))
    assert api(server)["done"] == 100
    step_to(page, "step-20", 120)
    step_to(page, "step-500", 620)
    check(page.get_by_test_id("epoch")).to_have_text(str(620 // examples))
    state = api(server)
    assert state["done"] == 620
    check(page.get_by_test_id("last-target")).to_have_text(state["last"]["target"])
    # clicked quickly, in a row: each a request, one after another
    for _ in range(3):
        page.get_by_test_id("next").click()
    check(page.get_by_test_id("steps")).to_have_text("623")
    assert api(server)["done"] == 623


def test_hierarchical_softmax_shows_the_path(page, server):
    check = expect()
    open_page(page, server)
    page.get_by_test_id("loss").select_option("hs")
    check(page.get_by_test_id("wout-row")).to_have_count(9)  # V - 1 inner nodes
    page.get_by_test_id("restart").click()
    step_to(page, "step-20", 20)
    state = api(server)
    last = state["last"]
    assert state["settings"]["loss"] == "hs" and state["output_labels"][0] == "n0"
    labels = [o["label"] for o in last["outputs"]]
    assert labels and all(re.fullmatch(r"n\d+", label) for label in labels)
    check(page.get_by_test_id("output-row")).to_have_count(len(labels))
    shown = output_rows(page)
    assert [row["label"] for row in shown] == labels
    for row, output in zip(shown, last["outputs"], strict=True):
        assert_shown(row["out-e"], output["e"])
        assert number(row["out-t"]) == output["t"]
    assert touched_rows(page, "wout") == {o["row"] for o in last["outputs"]}
    assert touched_rows(page, "wout") == {int(r) for r in last["delta_W_out"]}
    check(page.get_by_test_id("eq-e-path")).to_contain_text(labels[0])
    check(page.get_by_test_id("wout-row").first).to_have_attribute("data-label", "n0")


def test_negative_sampling_shows_the_target_and_the_noise_words(page, server):
    check = expect()
    open_page(page, server)
    page.get_by_test_id("loss").select_option("ns")
    check(page.get_by_test_id("info")).to_contain_text("negative sampling")
    step_to(page, "next", 1)
    last = api(server)["last"]
    rows = page.get_by_test_id("output-row")
    assert rows.evaluate_all("r => r.map(x => x.dataset.label)") == [
        o["label"] for o in last["outputs"]
    ]
    assert last["outputs"][0]["label"] == last["target"]
    check(rows.first.get_by_test_id("out-label")).to_have_text(last["target"] + "wO")
    for k in range(1, len(last["outputs"])):
        check(rows.nth(k).get_by_test_id("out-label")).to_contain_text("noise")
    assert touched_rows(page, "wout") == {int(r) for r in last["delta_W_out"]}
    assert_shown(page.get_by_test_id("eq-e-target").text_content(), last["outputs"][0]["e"])


def test_the_chinese_preset_and_skip_gram(page, server):
    check = expect()
    open_page(page, server)
    page.get_by_test_id("preset").select_option("zh")
    check(page.get_by_test_id("info")).to_contain_text("猫咪 狗狗")
    page.get_by_test_id("arch").select_option("skipgram")
    check(page.get_by_test_id("info")).to_contain_text("skip-gram")
    check(page.get_by_test_id("preset")).to_have_value("zh")
    step_to(page, "step-20", 20)
    state = api(server)
    assert state["corpus"] == "zh" and state["settings"]["arch"] == "skipgram"
    labels = page.get_by_test_id("w-row").evaluate_all("r => r.map(x => x.dataset.label)")
    assert labels == state["words"] and "猫咪" in labels
    check(page.get_by_test_id("last-target")).to_have_text(state["last"]["target"])
    check(page.get_by_test_id("model-name")).to_contain_text("skip-gram")
    check(page.get_by_test_id("note")).to_contain_text("the paper sums EI over the C outputs")
    map_labels = page.get_by_test_id("map-label").all_text_contents()
    assert "猫咪" in map_labels and "猫咪′" in map_labels
    sentence = state["sentences"][state["last"]["sentence"]]
    check(page.get_by_test_id("sentence")).to_contain_text("".join(sentence))


def test_the_map_has_a_dot_per_vector_and_arrows_for_the_rows_a_step_moved(page, server):
    check = expect()
    open_page(page, server)
    state = api(server)
    check(page.get_by_test_id("map-input")).to_have_count(len(state["words"]))
    check(page.get_by_test_id("map-output")).to_have_count(len(state["output_labels"]))
    check(page.get_by_test_id("map-arrow")).to_have_count(0)
    filled = page.get_by_test_id("map-input").first.evaluate("c => getComputedStyle(c).fill")
    hollow = page.get_by_test_id("map-output").first.evaluate("c => getComputedStyle(c).fill")
    assert filled != hollow and hollow == "rgb(255, 255, 255)"
    for done in (1, 2):
        step_to(page, "next", done)
        last = api(server)["last"]
        arrows = page.get_by_test_id("map-arrow")
        check(arrows).to_have_count(len(last["delta_W"]) + len(last["delta_W_out"]))
        kinds = arrows.evaluate_all("a => a.map(x => x.dataset.kind)")
        assert kinds.count("input") == len(last["delta_W"]) == (0 if done == 1 else 2)
    # arrows end where the points are, and start where the API says they were
    state = api(server)
    moved = int(next(iter(state["last"]["delta_W"])))
    before, now = state["map"]["inputs_before"][moved], state["map"]["inputs"][moved]
    assert before != now
    assert page.get_by_test_id("map-axes").text_content().startswith("PC1 ")


def test_the_learning_rate_and_the_settings(page, server):
    check = expect()
    open_page(page, server)
    alpha = page.get_by_test_id("alpha")
    alpha.fill("0.05")
    with page.expect_response(lambda response: "/api/step?n=0&alpha=0.05" in response.url):
        alpha.press("Enter")
    assert api(server)["settings"]["alpha"] == 0.05
    step_to(page, "next", 1)
    assert api(server)["last"]["alpha"] == 0.05
    check(page.get_by_test_id("eq-eta")).to_have_text("0.05")
    # a new model keeps the rate shown, and takes the dimensions and window chosen
    page.get_by_test_id("window").select_option("2")
    page.get_by_test_id("dim").select_option("8")
    check(page.get_by_test_id("w-cell")).to_have_count(10 * 8)
    check(page.get_by_test_id("steps")).to_have_text("0")
    state = api(server)
    assert state["settings"]["dim"] == 8 and state["settings"]["window"] == 2
    assert state["settings"]["alpha"] == 0.05
    check(alpha).to_have_value("0.05")
    step_to(page, "next", 1)
    check(page.get_by_test_id("h-cell")).to_have_count(8)
    # a rate out of range is said, and nothing is asked
    alpha.fill("0")
    alpha.press("Enter")
    check(page.get_by_test_id("status")).to_contain_text("η: give a number above 0")
    assert api(server)["settings"]["alpha"] == 0.05
    step_to(page, "next", 2)  # the status goes with the next answer
    check(page.get_by_test_id("status")).to_be_hidden()


def test_the_corpus_of_the_command_comes_back_after_a_preset(page):
    """A server started on a text of its own: its lesson is offered as "corpus", and a
    restart on it after a preset gives its words again."""
    check = expect()
    with running(Lesson(CORPUS, "pets.txt"), corpus_text=CORPUS) as server:
        open_page(page, server, "pets.txt")
        check(page.get_by_test_id("preset")).to_have_value("corpus")
        page.get_by_test_id("preset").select_option("fruit")
        check(page.get_by_test_id("w-row")).to_have_count(10)
        page.get_by_test_id("preset").select_option("corpus")
        check(page.get_by_test_id("w-row")).to_have_count(len(set(CORPUS.split())))
        check(page.get_by_test_id("preset")).to_have_value("corpus")
        assert api(server)["words"][:2] == ["the", "sat"]
