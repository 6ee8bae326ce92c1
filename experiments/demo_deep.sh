#!/bin/sh
# A small built-in deep-factorization demo, run by `make experiments` until
# the experiment driver `mfd` exists (it replaces this script).  It checks two
# THEORY.md claims on a few seeded runs and prints what it measured.
# usage: demo_deep.sh <build dir>
set -e
build=${1:-build}
deep="$build/src/apps/mfd-deep"
out=results/demo
mkdir -p "$out"
echo "mfdyn: the experiment driver is not written yet; this is a small built-in demo of mfd-deep."
echo

col() { # value of column $2 in summary file $1
    awk -F, -v k="$2" 'NR==1 { for (i = 1; i <= NF; i++) if ($i == k) c = i } NR==2 { print $c }' "$1"
}

echo "D5 [LXGFD25 Thm 11]: local loss contraction at the balanced optimum, N = 4, sigma = 1.5, eta = 0.01"
for field in real complex; do
    "$deep" field=$field depth=4 d=5 sigma=1.5 init=balanced_from_product init_shift=1 eps=0.05 eta=0.01 \
        iters=100000 seed=1 out=$out/d5_$field > /dev/null
    rate=$(col $out/d5_$field/summary.csv rate_ori)
    awk -v f=$field -v r="$rate" 'BEGIN { p = (1 - 4 * 0.01 * 1.5 ^ 1.5) ^ 2;
        printf "  %-8s measured %.6f  predicted (1 - 4 eta sigma^1.5)^2 = %.6f  gap error %.2e\n", f, r, p, ((1 - r) - (1 - p)) / (1 - p) }'
done
echo
echo "D1 [LXGFD25 Thm 1]: N = 4, d = 4, Sigma = I, Gaussian init eps = 0.3, a = 10, eta = 0.005, 40000 iterations"
for field in complex real; do
    ok=0
    n=0
    for seed in $(seq 1 16); do
        "$deep" field=$field depth=4 d=4 a=10 eps=0.3 eta=0.005 iters=40000 seed=$seed out=$out/d1_${field}_$seed > /dev/null
        n=$((n + 1))
        [ "$(col $out/d1_${field}_$seed/summary.csv stop_reason)" = converged ] && ok=$((ok + 1))
    done
    echo "  $field: $ok of $n runs converged"
done
echo
echo "Runs are in $out/ (run.ini, trace.csv, summary.csv each)."
