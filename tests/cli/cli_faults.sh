#!/bin/sh
# Faults: a run killed at any moment, two drivers on one experiment at once,
# a full disk, an output folder that cannot be written, non-finite and
# overflowing iterates, and where a run stops.
# usage: cli_faults.sh <bin dir of the programs> <tests/specs> <workdir>
bindir=$1
specs=$2
work=$3
exe=$bindir/mfd-deep
prog=mfd-deep
. "$(dirname "$0")/testlib.sh"
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1

# -- a run killed with SIGKILL at any moment leaves no complete-looking folder
whole() { # folder $1: if it holds summary.csv, everything else is final
    [ -f "$1/summary.csv" ] || return 0
    [ -f "$1/run.ini" ] && [ -f "$1/trace.csv" ] && ! ls "$1"/*.part > /dev/null 2>&1
}
bad=0
complete=0
for delay in 0 0.002 0.005 0.01 0.02 0.04 0.07 0.1 0.15 0.2 0.3 0.5; do
    rm -rf k
    "$exe" depth=4 d=16 iters=20000 log_every=7 out=k > /dev/null 2>&1 &
    pid=$!
    sleep $delay
    kill -KILL $pid 2> /dev/null
    wait $pid 2> /dev/null
    whole k || bad=$((bad + 1))
    [ -f k/summary.csv ] && complete=$((complete + 1))
done
check "12 runs killed at 0 to 0.5 s: none left a folder that looks complete but is not ($complete finished first)" \
    "[ $bad -eq 0 ]"
rm -rf k
"$exe" depth=4 d=16 iters=20000 log_every=7 out=k > /dev/null 2>&1 &
pid=$!
n=0
while [ ! -f k/trace.csv.part ] && [ $n -lt 200 ]; do sleep 0.01; n=$((n + 1)); done
kill -KILL $pid 2> /dev/null
wait $pid 2> /dev/null
check "a run killed while logging leaves trace.csv.part and no summary.csv" "[ -f k/trace.csv.part ] && [ ! -f k/summary.csv ]"
"$exe" depth=4 d=16 iters=200 out=k > /dev/null 2>&1
check "rerunning into the same folder replaces the debris with a complete run" \
    "[ -f k/summary.csv ] && [ -f k/trace.csv ] && ! ls k/*.part > /dev/null 2>&1"

# -- two drivers on one experiment at once: every run exactly once, nothing corrupted
"$bindir/mfd" run slowish --specs "$specs" --results ref > /dev/null 2>&1
"$bindir/mfd" collect slowish --specs "$specs" --results ref > /dev/null
"$bindir/mfd" run slowish --specs "$specs" --results two > a.txt 2>&1 &
pa=$!
"$bindir/mfd" run slowish --specs "$specs" --results two > b.txt 2>&1 &
pb=$!
wait $pa
ca=$?
wait $pb
cb=$?
na=$(sed -n 's/.*: \([0-9]*\) runs done.*/\1/p' a.txt)
nb=$(sed -n 's/.*: \([0-9]*\) runs done.*/\1/p' b.txt)
check "two mfd run at once both succeed and share the 8 runs ($na + $nb), each run done once" \
    "[ $ca -eq 0 ] && [ $cb -eq 0 ] && [ \$(($na + $nb)) -eq 8 ]"
"$bindir/mfd" collect slowish --specs "$specs" --results two > /dev/null
check "... and collect to the index.csv of one driver alone" "cmp -s ref/slowish/index.csv two/slowish/index.csv"
check "... leaving no lock file" "! ls two/slowish/runs/*.lock > /dev/null 2>&1"

# -- a full disk (file-size limit: writes fail with EFBIG) is a clear error, not a silent truncation
(ulimit -f 16 && trap '' XFSZ && exec "$exe" depth=2 d=8 iters=100000 log_every=1 out=full) > /dev/null 2> err.txt
code=$?
check "a write that fails (file size limit) exits 1 naming the file and the error, and leaves no summary.csv" \
    "[ $code -eq 1 ] && grep -q 'trace.csv' err.txt && grep -qi 'too large' err.txt && [ ! -f full/summary.csv ]"
(ulimit -f 16 && trap '' XFSZ && exec "$bindir/mfd-sense" n=10 k=2 r=2 iters=100000 log_every=1 out=full2) > /dev/null 2> err.txt
code=$?
check "... in mfd-sense too" "[ $code -eq 1 ] && grep -qi 'too large' err.txt && [ ! -f full2/summary.csv ]"

# -- an output folder that cannot be made or written
touch afile
"$exe" iters=5 out=afile/run > /dev/null 2> err.txt
code=$?
check "an output folder under a regular file is exit 1 naming the path" "[ $code -eq 1 ] && grep -q 'afile' err.txt"
"$bindir/mfd" run tiny --specs "$specs" --results afile/res > /dev/null 2> err.txt
code=$?
check "mfd run with results under a regular file is exit 1 naming the path" "[ $code -eq 1 ] && grep -q 'afile/res' err.txt"
"$exe" iters=5 out=/proc/mfdyn-cannot-write-here > /dev/null 2> err.txt
code=$?
check "an output folder in a read-only file system is exit 1 with the reason" \
    "[ $code -eq 1 ] && grep -q '/proc/mfdyn-cannot-write-here' err.txt"

# -- non-finite and overflowing iterates end the run as diverged, at the right iteration
# depth 2, d = 1, Sigma = 1, W_1 = W_2 = x: x <- x - eta x (x^2 - 1); diverged when L = (1 - x^2)^2 / 2 > 1e12
expect=$(awk 'BEGIN { x = sqrt(0.5); eta = 2.2; for (t = 0; t < 1000; t++) { L = 0.5 * (1 - x * x) ^ 2;
    if (!(L == L) || L > 1e12 || L == "inf") { print t; exit } x = x - eta * x * (x * x - 1) } print -1 }')
"$exe" depth=2 d=1 init=identity eps=0.5 eta=2.2 iters=1000 out=div > /dev/null 2>&1
check "overflow stops the run as diverged at the iteration the recursion predicts ($expect)" \
    "[ \"\$(value div/summary.csv stop_reason)\" = diverged ] && [ \"\$(value div/summary.csv iterations)\" = $expect ]"
check "... and the last trace row is that iteration" "[ \"\$(column div/trace.csv iter | tail -n 1)\" = $expect ]"
"$exe" depth=4 d=3 init=gaussian eps=1e100 iters=10 out=inf > /dev/null 2>&1
check "layers whose product overflows to inf stop at iteration 0 as diverged, with complete files" \
    "[ \"\$(value inf/summary.csv stop_reason)\" = diverged ] && [ \"\$(value inf/summary.csv iterations)\" = 0 ] && [ -f inf/run.ini ]"
/usr/bin/python3 -c "import numpy as np; w = np.ones((2, 2, 2)); w[1, 0, 1] = np.nan; np.save('nan.npy', w)" 2> /dev/null
if [ -f nan.npy ]; then
    "$exe" init_file=nan.npy iters=10 out=nan > /dev/null 2>&1
    check "a NaN in the initial layers stops at iteration 0 as diverged" \
        "[ \"\$(value nan/summary.csv stop_reason)\" = diverged ] && [ \"\$(value nan/summary.csv iterations)\" = 0 ]"
fi
"$bindir/mfd-sense" n=10 k=2 r=2 alpha=0.5 eta=50 iters=100 out=sdiv > /dev/null 2>&1
check "mfd-sense: a step far too large ends as diverged with a finite log before it" \
    "[ \"\$(value sdiv/summary.csv stop_reason)\" = diverged ] && [ \$(value sdiv/summary.csv iterations) -lt 100 ]"
"$bindir/mfd-scaled" method=gd problem=factorization init=small alpha=0.5 n=20 r=2 eta=40 gd_step=plain iters=100 out=gdiv > /dev/null 2>&1
check "mfd-scaled: the same, stopped above div_bound" "[ \"\$(value gdiv/summary.csv stop_reason)\" = diverged ]"

# -- a preconditioner that cannot be factored is a stop reason; a singular W_2 gives NaN diagnostics, not garbage
"$bindir/mfd-scaled" method=scaledgd model=sym problem=factorization init=small alpha=0.1 n=20 r=2 k=4 iters=500 \
    tol=0 out=sing > /dev/null 2>&1
check "ScaledGD over-parameterized stops with singular_preconditioner and finite numbers" \
    "[ \"\$(value sing/summary.csv stop_reason)\" = singular_preconditioner ] && ! grep -qi 'nan\|inf' sing/trace.csv"
/usr/bin/python3 -c "
import numpy as np
w = np.array([np.eye(3), np.diag([1.0, 1.0, 0.0]), np.eye(3), np.eye(3)])
np.save('sing2.npy', w)" 2> /dev/null
if [ -f sing2.npy ]; then
    "$exe" init_file=sing2.npy iters=0 out=lu > /dev/null 2>&1
    check "a singular W_2 leaves the skew error and Hermitian sigma_min NaN (never a number from a failed LU)" \
        "[ \"\$(value lu/summary.csv skew_err_init)\" = nan ] && [ \"\$(value lu/summary.csv herm_smin_init)\" = nan ] && [ \"\$(value lu/summary.csv stop_reason)\" = max_iter ]"
fi
finish
