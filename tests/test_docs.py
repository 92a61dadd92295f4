"""Every example the README and the pages of docs/ show runs, as written.

A page's `sh` and `python` blocks run top to bottom in one temporary folder laid out as a
checkout: TMP/repo (the working folder) holds a link to sample_corpora/, and TMP/shared
links to the real ../shared, so `sample_corpora/...` and `../shared/data/...` work as the
docs write them. `w2v` on the PATH is this checkout's package (a wrapper that runs
`python -m w2vcli` with this repository first on PYTHONPATH), and `python` is the
interpreter running the tests. Shell blocks run in bash with `set -e -o pipefail`, each in
a process of its own; Python blocks run in this process, in one namespace per page, so a
later block may use what an earlier one made, as a reader would.

Blocks that name ../shared/data (the en-mix and zh-pd1998 corpora: minutes of training)
run in the slow tier, with the rest of their page before them; the default tier runs every
page's other blocks. A block that cannot run in a test (an install, a server that runs
until Ctrl-C, a Dask cluster at a real address) is marked on the line just before its
fence with `<!-- not run: REASON -->`. `text` blocks show output; those marked
`<!-- printed by the block above -->` are what the block before them prints (the same
words, decimals within 0.02: `same_output`); the README's set-up command, which is not run
with its page, is run without its install.
"""

import contextlib
import io
import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
DATA = SHARED / "data"
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
RUN = ("sh", "python")  # the languages of the blocks that run
LANGUAGES = (*RUN, "text")
NOT_RUN = re.compile(r"<!-- not run: (?P<reason>.*?) -->")
PRINTED = "<!-- printed by the block above -->"
NEEDS_DATA = "../shared/data"


@dataclass(frozen=True)
class Block:
    page: Path
    line: int  # of the opening fence, from 1
    language: str
    code: str
    not_run: str | None  # the reason given, or None for a block that runs
    printed: bool = False  # a text block marked as what the block before it prints

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"

    @property
    def slow(self) -> bool:
        return NEEDS_DATA in self.code


def read_blocks(page: Path) -> list[Block]:
    """The fenced blocks of a Markdown page, each with the marker on the line before it."""
    lines = page.read_text(encoding="utf-8").splitlines()
    blocks, i = [], 0
    while i < len(lines):
        if not lines[i].startswith("```"):
            i += 1
            continue
        start, language = i, lines[i][3:].strip()
        end = next((j for j in range(i + 1, len(lines)) if lines[j] == "```"), None)
        assert end is not None, f"{page.relative_to(ROOT)}:{i + 1}: a fence never closed"
        before = lines[start - 1].strip() if start else ""
        marker = NOT_RUN.fullmatch(before)
        code = "\n".join(lines[start + 1 : end]) + "\n"
        reason = marker["reason"].strip() if marker else None
        blocks.append(Block(page, start + 1, language, code, reason, before == PRINTED))
        i = end + 1
    return blocks


BLOCKS = {page: read_blocks(page) for page in PAGES}


def runnable(page: Path) -> list[Block]:
    return [b for b in BLOCKS[page] if b.language in RUN and b.not_run is None]


def tiers(page: Path) -> tuple[list[Block], list[Block]]:
    """What a page runs in the default tier (its blocks without ../shared/data) and in
    the slow tier (if it has blocks on ../shared/data: all its blocks, in order)."""
    blocks = runnable(page)
    fast = [b for b in blocks if not b.slow]
    return fast, (blocks if len(fast) < len(blocks) else [])


def cases() -> list:
    found = []
    for page in PAGES:
        name = page.relative_to(ROOT).as_posix()
        fast, slow = tiers(page)
        if fast:
            found.append(pytest.param(page, fast, id=name))
        if slow:
            found.append(pytest.param(page, slow, id=f"{name}-slow", marks=pytest.mark.slow))
    return found


def checkout(tmp_path: Path) -> tuple[Path, dict]:
    """TMP/repo laid out as the repository's root, TMP/shared beside it, and the
    environment of the shell blocks: this checkout's `w2v` and the tests' `python` first
    on the PATH, no $W2V_VECTORS (the queries read vectors.txt, as the docs say)."""
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "sample_corpora").symlink_to(ROOT / "sample_corpora")
    (tmp_path / "shared").symlink_to(SHARED)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    python = shlex.quote(sys.executable)
    for name, command in (("w2v", f"{python} -m w2vcli"), ("python", python)):
        wrapper = bin_dir / name
        wrapper.write_text(f'#!/bin/sh\nexec {command} "$@"\n')
        wrapper.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k != "W2V_VECTORS"}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return repo, env


def run_shell(block: Block, repo: Path, env: dict) -> str:
    timeout = 1800 if block.slow else 300
    done = subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", block.code],
        cwd=repo,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, (
        f"{block.where}: exit status {done.returncode}\n{block.code}\n"
        f"--- stdout\n{done.stdout[-3000:]}\n--- stderr\n{done.stderr[-3000:]}"
    )
    return done.stdout


def shown_after(block: Block) -> str | None:
    """The output the page shows as printed by `block`, if it shows one."""
    blocks = BLOCKS[block.page]
    after = blocks.index(block) + 1
    if after < len(blocks) and blocks[after].printed:
        return blocks[after].code
    return None


@pytest.mark.parametrize("page, blocks", cases())
def test_the_examples_of_a_page_run(page, blocks, tmp_path, monkeypatch):
    if any(b.slow for b in blocks) and not DATA.is_dir():
        pytest.skip(f"needs {NEEDS_DATA} beside the repository ({DATA})")
    if any(b.language == "python" for b in blocks):  # run here: this checkout's w2vcli?
        import w2vcli

        found = Path(w2vcli.__file__).resolve().parent
        assert found == ROOT / "w2vcli", f"w2vcli is imported from {found}, not {ROOT}"
    repo, env = checkout(tmp_path)
    monkeypatch.chdir(repo)
    namespace: dict = {"__name__": "__docs__"}
    ran = []
    for block in blocks:
        if block.language == "sh":
            printed = run_shell(block, repo, env)
        else:
            with contextlib.redirect_stdout(io.StringIO()) as out:
                exec(compile(block.code, block.where, "exec"), namespace)
            printed = out.getvalue()
        shown = shown_after(block)
        assert shown is None or same_output(printed, shown), f"{block.where} printed:\n{printed}"
        ran.append(block)
    assert ran == blocks
    if page.name == "README.md":  # what the tour writes, git ignores: the checkout stays clean
        made = sorted(
            p.name + "/" * p.is_dir() for p in repo.iterdir() if p.name != "sample_corpora"
        )
        ignored = subprocess.run(
            ["git", "-C", ROOT, "check-ignore", "--no-index", "--stdin"],
            input="\n".join(made),
            capture_output=True,
            text=True,
        ).stdout.split()
        assert made and sorted(ignored) == made, f"not ignored: {set(made) - set(ignored)}"


NUMBER = re.compile(r"-?\d+\.\d+")


def same_output(printed: str, shown: str, within: float = 0.02) -> bool:
    """The output a page shows, printed again: the same words in the same places, and each
    decimal number within `within` of the one shown (the runs shown are at one thread and
    a seed, repeatable to the bit on one machine; a CPU with wider vector registers sums
    in another order, and the last digits of a trained cosine may move)."""
    if NUMBER.split(printed) != NUMBER.split(shown):
        return False
    pairs = zip(NUMBER.findall(printed), NUMBER.findall(shown), strict=True)
    return all(abs(float(a) - float(b)) <= within for a, b in pairs)


def test_same_output_allows_the_last_digits_of_numbers_only():
    assert same_output("king 0.812\n", "king 0.812\n")
    assert same_output("king 0.812 1\n", "king 0.825 1\n")
    assert not same_output("king 0.812\n", "king 0.862\n")
    assert not same_output("queen 0.812\n", "king 0.812\n")
    assert not same_output("king 0.812 2\n", "king 0.812 1\n")
    assert not same_output("king 0.812\nqueen 0.7\n", "king 0.812\n")


def test_the_readme_set_up_prints_what_it_shows(tmp_path, monkeypatch):
    """The set-up command, after its install, prints the neighbours the README shows."""
    (set_up,) = [b for b in BLOCKS[ROOT / "README.md"] if shown_after(b) and b.not_run]
    command = set_up.code.split("pip install -e . && ")[1]
    repo, env = checkout(tmp_path)
    ran = Block(set_up.page, set_up.line, "sh", command, None)
    assert same_output(run_shell(ran, repo, env), shown_after(set_up))


def test_every_block_runs_or_says_why_not():
    """Each fenced block is sh, python or text; each unmarked sh and python block is run by
    a case above (the default tier, or the slow one if it needs ../shared/data); each
    marker gives a reason and stands just before a block that would otherwise run."""
    for page in PAGES:
        name = page.relative_to(ROOT)
        fast, slow = tiers(page)
        for block in BLOCKS[page]:
            assert block.language in LANGUAGES, (
                f"{block.where}: a ```{block.language} block: write sh, python or text"
            )
            if block.not_run is not None:
                assert block.language in RUN, f"{block.where}: a marker on a {block.language} block"
                assert block.not_run, f"{block.where}: `not run` without a reason"
            elif block.language in RUN:
                assert block in (slow if block.slow else fast), f"{block.where}: not run"
            if block.printed:  # shows what the block before it prints
                before = BLOCKS[page][BLOCKS[page].index(block) - 1]
                assert block.language == "text" and before.language in RUN, block.where
        fences = {b.line - 1 for b in BLOCKS[page]}  # the line before each fence, from 1
        for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1):
            if "not run" in line and line.lstrip().startswith("<!--"):
                assert NOT_RUN.fullmatch(line.strip()), f"{name}:{number}: malformed marker"
                assert number in fences, f"{name}:{number}: the marker is not just before a fence"


def test_the_readme_sets_up_in_two_commands():
    """The README's two set-up blocks (install and run; the tests) are the ones a newcomer
    copies; they are not run here, and every other block of the README is."""
    set_up = [b for b in BLOCKS[ROOT / "README.md"] if b.language == "sh" and b.not_run]
    commands = [b.code.strip() for b in set_up]
    assert commands[:2] == [
        "python3 -m venv .venv && . .venv/bin/activate && pip install -e . && w2v train "
        "sample_corpora/zh.txt --arch skipgram --epochs 10 --threads 1 --seed 1 -o vectors.txt"
        " && w2v nearest 北京 -k 5",
        ". .venv/bin/activate && pip install -e '.[test]' && ruff check . && lint-imports"
        " && pytest",
    ]
    assert all("pip install" not in b.code for b in runnable(ROOT / "README.md"))


def anchors(page: Path) -> set[str]:
    """The anchors GitHub makes of a page's headings: lower case, punctuation dropped,
    spaces as hyphens."""
    text = re.sub(r"^```.*?^```", "", page.read_text(encoding="utf-8"), flags=re.M | re.S)
    headings = re.findall(r"^#+ (.*)$", text, re.M)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


def test_links_between_pages_resolve():
    """Every relative link of the README and docs/ names a file that exists, and a heading
    of it when it names one (#anchor)."""
    for page in PAGES:
        text = re.sub(r"^```.*?^```", "", page.read_text(encoding="utf-8"), flags=re.M | re.S)
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if re.match(r"[a-z]+:", target):
                continue
            path, _, anchor = target.partition("#")
            linked = (page.parent / path).resolve() if path else page
            where = f"{page.relative_to(ROOT)}: ({target})"
            assert linked.exists(), f"{where}: no such file"
            if anchor:
                assert anchor in anchors(linked), f"{where}: no such heading"
