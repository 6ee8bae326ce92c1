#!/bin/sh
# make bench: one GD step of deep factorization (N = 4, a = 1) in mfdyn and
# in NumPy on the same OpenBLAS, plus the time of the step's 21 GEMMs at the
# GEMM rate measured in the same run; then the allocation check.
# Small sizes run with one BLAS thread (for both), 64 and 256 with OpenBLAS's
# default thread count (for both).  usage: run_bench.sh <build dir>
set -e
build=${1:-build}
here=$(dirname "$0")
py=/usr/bin/python3
[ -x "$py" ] || py=python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "== one GD step, N = 4, a = 1 (21 GEMMs) =="
OPENBLAS_NUM_THREADS=1 "$build/tests/bench_deep" 2 4 8 16 > "$tmp/c_small.csv"
OPENBLAS_NUM_THREADS=1 "$py" "$here/bench_deep.py" 2 4 8 16 > "$tmp/np_small.csv"
"$build/tests/bench_deep" 64 256 > "$tmp/c_large.csv"
"$py" "$here/bench_deep.py" 64 256 > "$tmp/np_large.csv"
"$py" - "$tmp" <<'PY'
import csv, sys, os
tmp = sys.argv[1]
def load(name):
    with open(os.path.join(tmp, name)) as f:
        return {(r["field"], int(r["d"])): r for r in csv.DictReader(f)}
c = {**load("c_small.csv"), **load("c_large.csv")}
n = {**load("np_small.csv"), **load("np_large.csv")}
print("| field | d | mfdyn step | NumPy step | NumPy / mfdyn | GEMM-rate time | mfdyn / GEMM-rate |")
print("|---|---|---|---|---|---|---|")
for key in sorted(c, key=lambda k: (k[0] != "real", k[1])):
    f, d = key
    tc, tm = float(c[key]["step_s"]), float(c[key]["gemm_model_s"])
    tn = float(n[key]["step_s"])
    print(f"| {f} | {d} | {tc*1e6:.3g} us | {tn*1e6:.3g} us | {tn/tc:.1f}x | {tm*1e6:.3g} us | {tc/tm:.2f} |")
print()
print("Targets: NumPy / mfdyn >= 50 for d <= 8; mfdyn / GEMM-rate <= 1.25 at d = 256.")
print("(GEMM rate measured at the largest size of each group, in the same run.)")
PY

echo
echo "== allocations: the same run for 100 and for 10000 iterations (valgrind) =="
if command -v valgrind > /dev/null 2>&1; then
    for n in 100 10000; do
        OPENBLAS_NUM_THREADS=1 valgrind --tool=memcheck "$build/src/apps/mfd-deep" d=8 a=1 eta=1e-3 iters=$n \
            log_every=100000 out="$tmp/run$n" 2>&1 > /dev/null | grep "total heap usage" | sed "s/^==[0-9]*==/iters=$n:/"
    done
    echo "(equal counts: nothing allocates per iteration, OpenBLAS included)"
else
    echo "valgrind not installed: skipped (the unit test unit_noalloc covers libmfdyn itself)"
fi
