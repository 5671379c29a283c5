#!/usr/bin/env bash
# The whole benchmark suite against the peers, in one run on this machine, rewriting the
# tables of docs/PERFORMANCE.md in place (each between <!-- NAME:begin/end --> markers):
#   machine              the machine and its load when the run started
#   math                 zkshard bench math (1 and 2 threads)
#   groth16_vs_arkworks  setup/prove/verify vs groth16py on synthetic circom R1CS
#   kernels              integer Gemm/Conv kernels vs onnxruntime
#   sharded_proving      per-shard constraints and prove times of the bundled models
#   zkml_vs_ezkl         the bundled models vs EZKL (needs bench/requirements-ezkl.txt in .venv-ezkl)
# Usage: bench/compare.sh [--quick] [--skip-ezkl] [--no-build] [--doc docs/PERFORMANCE.md]
#   --quick: fewer sizes and repetitions (a smoke run; the tables say so)
#   --no-build: use the release binary already in .build/release (e.g. one built with --build-tests)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
doc=docs/PERFORMANCE.md; quick=0; ezkl=1; build=1
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) quick=1 ;;
        --skip-ezkl) ezkl=0 ;;
        --no-build) build=0 ;;
        --doc) doc="$2"; shift ;;
        *) echo "usage: bench/compare.sh [--quick] [--skip-ezkl] [--no-build] [--doc FILE]" >&2; exit 2 ;;
    esac
    shift
done
scripts/deps.sh
[ $build = 0 ] || swift build -c release --product zkshard
[ -x .build/release/zkshard ] || { echo "no .build/release/zkshard: build it or drop --no-build" >&2; exit 2; }
zk="$PWD/.build/release/zkshard"; py="$PWD/.venv/bin/python"; splice="$py bench/splice_section.py $doc"
if [ $quick = 1 ]; then sizes=12,14; repeats=2; note="(quick run: fewer sizes and repetitions)"; else sizes=12,14,16,18; repeats=3; note=""; fi

{
    echo "Measured by \`bench/compare.sh\` on $(date -u +%Y-%m-%d) $note"
    echo
    echo "- CPU: $(lscpu | sed -n 's/^Model name:[[:space:]]*//p'), $(nproc) cores; RAM: $(free -g | awk '/^Mem:/ {print $2}') GiB"
    echo "- Load average at the start: $(cut -d' ' -f1-3 /proc/loadavg); Swift $(swift --version 2>&1 | sed -n 's/.*Swift version \([0-9.]*\).*/\1/p' | head -1)"
} | $splice machine

echo "== math" >&2
{
    echo "| key | 1 thread | 2 threads |"
    echo "| --- | ---: | ---: |"
    "$zk" bench math --json --threads 1 --quiet > /tmp/zkshard-math-1.json
    "$zk" bench math --json --threads 2 --quiet > /tmp/zkshard-math-2.json
    "$py" - <<'PY'
import json
one, two = (json.load(open(f"/tmp/zkshard-math-{n}.json")) for n in (1, 2))
for k in sorted(one):
    if isinstance(one[k], (int, float)):
        t = two.get(k)
        print(f"| `{k}` | {one[k]:.4g} | {t:.4g} |" if isinstance(t, (int, float)) else f"| `{k}` | {one[k]:.4g} | |")
PY
} | $splice math

echo "== groth16 vs arkworks" >&2
"$py" bench/groth16_vs_arkworks.py --sizes $sizes --repeats $repeats --zkshard "$zk" --markdown-out /tmp/zkshard-groth16.md >&2
$splice groth16_vs_arkworks < /tmp/zkshard-groth16.md

echo "== kernels vs onnxruntime" >&2
"$py" bench/kernels_vs_onnxruntime.py --zkshard "main=$zk" --rounds $repeats | $splice kernels

echo "== sharded proving" >&2
ZKSHARD="$zk" "$py" bench/sharded_proving.py --repeats $repeats --markdown | $splice sharded_proving

if [ $ezkl = 1 ]; then
    echo "== zkshard vs EZKL" >&2
    [ -x .venv-ezkl/bin/python ] || { python3 -m venv .venv-ezkl && .venv-ezkl/bin/pip install -q -r bench/requirements-ezkl.txt; }
    "$py" bench/zkml_vs_ezkl.py --repeats $repeats --zkshard "$zk" --markdown-out "$doc" >&2
fi
echo "rewrote the tables of $doc" >&2
