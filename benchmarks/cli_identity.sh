#!/usr/bin/env bash
# Whether `w2v` writes the same bytes as an earlier commit: runs the same commands with the
# package of REVISION (a git worktree) and with this checkout, and compares every output
# (vectors, vocabularies, model, prepared and replay directories, query answers, messages).
# Exit status 1 if any differs.
#
#   bash benchmarks/cli_identity.sh cdbd270
#
# Every mode of training runs at --threads 1 --seed 1: text and binary, the corpus on
# disk, stdin, a prepared directory, resumed after an epoch and within one, --from with and
# without --update-vocab, --init-vectors --freeze-init, --snapshots, two local Dask
# workers; then phrases, tokenize, prepare, select, export, index, every query, info, plot,
# and the JSON APIs of serve and teach. Both revisions run in the same folder, so absolute
# paths agree; what legitimately differs between two runs (times and durations in
# provenance records, model.json, prepared.json and `info`, and in messages) is blanked
# before comparing. Needs the project's virtual environment (.venv) and ../shared/data.
set -euo pipefail
revision=${1:?give a git revision to compare with, e.g. HEAD~1}
root=$(cd "$(dirname "$0")/.." && pwd)
python=$root/.venv/bin/python
shared=$root/../shared/data
work=$(mktemp -d)
trap 'git -C "$root" worktree remove --force "$work/old" >/dev/null 2>&1; [ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
git -C "$root" worktree add --detach "$work/old" "$revision" >/dev/null 2>&1
port=$((20000 + RANDOM % 20000))
[ -z "${KEEP:-}" ] || echo "outputs kept in $work"

run_all() {  # run_all PACKAGE_DIR: every command, in $work/run
  export PYTHONPATH=$1
  local py="$python" w2v="$python -m w2vcli" en=$root/sample_corpora/en.txt
  local one=(--threads 1 --seed 1)
  mkdir -p "$work/run" && cd "$work/run"
  cp "$work/part1.txt" "$work/part2.txt" .
  # Training, every mode
  $w2v train "$en" -o v.txt "${one[@]}" --save-vocab vocab.txt --save-model model -q
  $w2v train "$en" -o v.bin --format binary "${one[@]}" --arch skipgram --loss hs -q
  $w2v train "$en" -o sum.txt "${one[@]}" --output-vectors sum --epochs 2 -q
  $w2v train "$en" -o disk.txt "${one[@]}" --corpus-in disk --epochs 2 --dim 30 -q
  $w2v train - -o - "${one[@]}" --dim 20 -q < "$en" > stdin.txt
  $w2v train "$en" -o talk.txt "${one[@]}" --epochs 1 --watch one,two 2> talk.err
  $w2v train "$en" --dry-run "${one[@]}" 2> dry-run.err
  $w2v train part1.txt -o part1.txt.vec "${one[@]}" --epochs 2 --save-model m1 -q
  $w2v train part2.txt -o from.txt "${one[@]}" --from m1 --save-model m2 -q
  $w2v train part2.txt -o update.txt "${one[@]}" --from m1 --update-vocab --save-model m3 -q
  $w2v train part2.txt -o init.txt "${one[@]}" --init-vectors part1.txt.vec --freeze-init -q
  $w2v train "$en" -o snap.txt "${one[@]}" --epochs 2 --snapshots snap --watch one,two -q
  $w2v plot --animate snap -o snap.html 2> animate.err || true
  # Resumed after epoch 1 of 3, and within an epoch
  $py - "$en" <<'PY'
import sys

import w2vcli


class Stop(Exception):
    pass


def after_one(epoch, model):
    raise Stop


def once_paused(words, alpha, loss):
    try:
        if w2vcli.load_model("ck-within").state.lanes is not None:
            raise Stop
    except w2vcli.W2VError:
        pass  # no checkpoint yet


settings = dict(threads=1, seed=1, epochs=3, arch="skipgram", min_count=2)
for directory, stop in (("ck-after", dict(on_epoch=after_one)),
                        ("ck-within", dict(checkpoint_every=0.01, on_progress=once_paused))):
    try:
        w2vcli.train(sys.argv[1], checkpoint=directory, **settings, **stop)
    except Stop:
        pass
PY
  $w2v train --resume ck-after -o resumed-after.txt -q
  $w2v train --resume ck-within -o resumed-within.txt -q
  # Prepared directories, here and on two Dask workers
  $w2v prepare part1.txt part2.txt -o prep 2> prepare.err
  # (trained: one prepared directory for both revisions, as its fingerprint, the sha256 of
  # its prepared.json, holds the seconds it took)
  $w2v train "$work/prepared" -o prep.txt "${one[@]}" --epochs 2 -q
  $w2v prepare part1.txt part2.txt -o prep-dask --engine dask --workers 2 2> prepare-dask.err
  $w2v train "$work/prepared" -o dask.txt "${one[@]}" --epochs 2 --engine dask --workers 2 \
    --save-model dask-model -q 2> dask.err
  # Text
  $w2v phrases "$en" -o phrases.txt 2> phrases.err
  $w2v phrases "$en" --scoring npmi --connectors english --passes 2 -o npmi.txt 2> npmi.err
  head -c 20000 "$root/sample_corpora/zh.txt" | tr -d ' ' | $w2v tokenize > tokens.txt
  # Vectors: select, export, index, convert
  printf 'one\ntwo\nxyzzy\nthe\n' > words.txt
  $w2v select -v v.txt --top 50 -o top.txt 2> select.err
  $w2v select -v v.bin --words words.txt -o chosen.bin 2>> select.err
  $w2v export -v v.txt --to projector projector 2> export.err
  $w2v export -v v.bin --to npy npy 2>> export.err
  $w2v convert v.txt converted.bin 2> convert.err
  $w2v convert v.bin - --to text > converted.txt 2>> convert.err
  cp v.txt indexed.txt
  $w2v index indexed.txt 2> index.err
  # Queries
  $w2v nearest the one -v v.txt -k 5 > nearest.tsv
  $w2v nearest the one -v indexed.txt -k 5 > nearest-indexed.tsv
  $w2v nearest king - man + woman -v v.txt > expression.tsv 2>&1 || true
  printf 'one\nthe\nxyzzy\n' | $w2v nearest -v v.bin --json > nearest.json 2>&1 || true
  $w2v vectors one -v v.txt | cut -f 2- | $w2v nearest --vector -v v.txt > by-vector.tsv 2>&1 \
    || true
  $w2v doesnt-match one two three the -v v.txt > doesnt-match.tsv
  $w2v analogy one two three -v v.txt > analogy.tsv
  printf 'one two three\nof the and\n' | $w2v analogy -v v.txt --method mul > analogy2.tsv
  $w2v similarity one two -v v.txt > similarity.tsv
  printf 'one two\nthe of\n' | $w2v similarity -v indexed.txt --json > similarity.json
  $w2v vectors one two -v v.txt > vectors.tsv
  $w2v vectors one -v v.bin --json > vectors.json
  $w2v evaluate -v v.txt --analogies "$shared/questions-words.txt" \
    --pairs "$shared/wordsim353.tsv" > evaluate.tsv 2> evaluate.err
  $w2v info v.bin > info.tsv
  $w2v info v.txt --json > info.json
  $w2v info model > info-model.tsv
  $w2v info m3 --json > info-m3.json
  $w2v plot one two -v v.txt -o plot.svg 2> plot.err || true
  # The JSON APIs of serve and teach
  $w2v serve -v v.txt --port "$port" 2> serve.err &
  local server=$!
  api() {  # api PATH...: each answer on a line
    for _ in $(seq 100); do curl -s "http://127.0.0.1:$port/api/info" >/dev/null && break; sleep 0.1; done
    for path in "$@"; do curl -s "http://127.0.0.1:$port$path"; echo; done
  }
  api /api/info '/api/complete?prefix=th' '/api/nearest?word=one&k=3' \
    '/api/analogy?a=one&b=two&c=three' '/api/similarity?a=one&b=two' \
    '/api/map?word=one&k=5' > serve.json
  kill "$server"; wait "$server" 2>/dev/null || true
  $w2v teach --port "$port" 2> teach.err &
  server=$!
  api /api/state '/api/step?n=5' '/api/step?n=50' > teach.json
  kill "$server"; wait "$server" 2>/dev/null || true
  sed -i "s/$port/PORT/g" serve.err teach.err
}

normalize() {  # normalize DIR: blank what differs between two runs of the same command
  "$python" - "$1" <<'PY'
import json
import os
import re
import sys

TIMES = {"started", "finished", "seconds", "at", "compile_seconds", "sync_seconds", "mtime_ns"}


def blank(value):
    if isinstance(value, dict):
        return {k: "<time>" if k.split(".")[-1] in TIMES else blank(v) for k, v in value.items()}
    if isinstance(value, list):
        return [blank(v) for v in value]
    if isinstance(value, str):  # info's "resumed": "2026-12-07T06:00:00+00:00 (w2v ...)"
        return re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", "<time>", value)
    return value


for folder, _, files in os.walk(sys.argv[1]):
    for name in files:
        path = os.path.join(folder, name)
        data = open(path, "rb").read()
        if name.endswith(".json") and data.startswith(b"{"):
            try:  # one document (indented), else a JSON object a line
                out = json.dumps(blank(json.loads(data)), indent=1, ensure_ascii=False) + "\n"
            except ValueError:
                lines = [json.loads(line) for line in data.decode().splitlines() if line]
                out = "".join(json.dumps(blank(x), ensure_ascii=False) + "\n" for x in lines)
            data = out.encode()
        elif name.endswith((".tsv", ".err")):
            text = data.decode("utf-8", "replace")
            text = re.sub(r"(?m)^(run\d*\.(started|finished|seconds|resumed))\t.*$", r"\1\t<time>", text)
            text = re.sub(r"[\d.]+ s\b", "<n> s", text)
            text = re.sub(r"[\d,.]+ words/s", "<n> words/s", text)
            text = re.sub(r"compile [\d.]+", "compile <n>", text)
            # tqdm's bar: carriage-return updates, as many as the machine's speed makes; and
            # Dask's warning when another program holds its dashboard's port
            lines = text.replace("\r", "\n").split("\n")
            text = "\n".join(p for p in lines if not p.startswith("train:"))
            text = re.sub(r".*/distributed/node.py:\d+: UserWarning: Port \d+ is already in use."
                          r"\nPerhaps.*\nHosting.*\n  warnings.warn\(\n", "", text)
            data = text.encode()
        open(path, "wb").write(data)
PY
}

head -c 700000 "$root/sample_corpora/en.txt" > "$work/part1.txt"
tail -c +700001 "$root/sample_corpora/en.txt" > "$work/part2.txt"
PYTHONPATH=$work/old "$python" -m w2vcli prepare "$work/part1.txt" "$work/part2.txt" \
  -o "$work/prepared" 2>/dev/null
(run_all "$work/old") > "$work/old.log" 2>&1 || { cat "$work/old.log"; exit 2; }
mv "$work/run" "$work/before"
(run_all "$root") > "$work/now.log" 2>&1 || { cat "$work/now.log"; exit 2; }
mv "$work/run" "$work/now"
normalize "$work/before"
normalize "$work/now"
status=0
cd "$work/before"
while read -r name; do
  if [ ! -e "$work/now/$name" ]; then echo "MISSING   $name"; status=1
  elif cmp -s "$name" "$work/now/$name"; then echo "same      $name"
  else echo "DIFFERENT $name"; status=1; fi
done < <(find . -type f | sed 's|^\./||' | sort)
cd "$work/now"
while read -r name; do
  [ -e "$work/before/$name" ] || { echo "NEW       $name"; status=1; }
done < <(find . -type f | sed 's|^\./||' | sort)
exit $status
