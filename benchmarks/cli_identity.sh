#!/usr/bin/env bash
# Whether `w2v` writes the same bytes as an earlier commit: runs the same commands with the
# package of REVISION (a git worktree) and with this checkout, and compares every output
# (vectors, vocabularies, query answers, messages). Exit status 1 if any differs.
#
#   bash benchmarks/cli_identity.sh 4f53b7b
#
# Needs the project's virtual environment (.venv) and ../shared/data.
set -euo pipefail
revision=${1:?give a git revision to compare with, e.g. HEAD~1}
root=$(cd "$(dirname "$0")/.." && pwd)
python=$root/.venv/bin/python
shared=$root/../shared/data
work=$(mktemp -d)
trap 'git -C "$root" worktree remove --force "$work/old" >/dev/null 2>&1; rm -rf "$work"' EXIT
git -C "$root" worktree add --detach "$work/old" "$revision" >/dev/null 2>&1

run_all() {  # run_all PACKAGE_DIR OUT_DIR
  local w2v="env PYTHONPATH=$1 $python -m w2vcli" corpus=$root/sample_corpora/en.txt
  mkdir -p "$2" && cd "$2"
  $w2v train "$corpus" -o v.txt --threads 1 --seed 1 --save-vocab vocab.txt -q
  $w2v train "$corpus" -o v.bin --format binary --threads 1 --seed 1 --arch skipgram --loss hs -q
  $w2v train "$corpus" -o sum.txt --threads 1 --seed 1 --output-vectors sum --epochs 2 -q
  $w2v train - -o - --threads 1 --seed 1 --dim 20 -q < "$corpus" > stdin.txt
  $w2v nearest the one -v v.txt -k 5 > nearest.tsv
  printf 'one\nthe\nxyzzy\n' | $w2v nearest -v v.bin --json > nearest.json 2>&1 || true
  $w2v analogy one two three -v v.txt > analogy.tsv
  printf 'one two three\nof the and\n' | $w2v analogy -v v.txt --method mul > analogy2.tsv
  $w2v similarity one two -v v.txt > similarity.tsv
  $w2v evaluate -v v.txt --analogies "$shared/questions-words.txt" \
    --pairs "$shared/wordsim353.tsv" > evaluate.tsv 2> evaluate.err
  $w2v convert v.txt converted.bin 2> convert.err
  $w2v convert v.bin - --to text > converted.txt 2>> convert.err
  $w2v info v.bin > info.tsv
  $w2v info v.txt --json > info.json
  $w2v plot one two -v v.txt -o plot.svg 2> plot.err || true
}

(run_all "$work/old" "$work/before")
(run_all "$root" "$work/now")
status=0
for file in "$work"/before/*; do
  name=$(basename "$file")
  if cmp -s "$file" "$work/now/$name"; then echo "same      $name"; else echo "DIFFERENT $name"; status=1; fi
done
exit $status
