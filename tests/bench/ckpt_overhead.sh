#!/bin/sh
# The cost of checkpoints at the default (checkpoint_every=auto) against none
# (checkpoint_every=0): the same runs one after the other, alternating, on one
# BLAS thread; the ratio of their wall times, and the time the runs spent
# writing checkpoints (run.ini's checkpoint_s) against their wall time.
# usage: ckpt_overhead.sh <bin dir of the programs> [repeats]
set -e
bindir=$1
reps=${2:-1}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export OPENBLAS_NUM_THREADS=1
ini() { sed -n "s/^$2 = //p" "$1/run.ini" | tail -n 1; }

echo "| run | state | wall, checkpoint_every=0 | wall, auto | auto / 0 | checkpoints | checkpoint_s / wall |"
echo "|---|---|---|---|---|---|---|"
bench() { # NAME EXE ARGS...
    name=$1 exe=$2
    shift 2
    w0=0 w1=0 ck=0 cs=0
    i=1
    while [ $i -le "$reps" ]; do
        rm -rf "$tmp/a" "$tmp/b"
        "$bindir/$exe" "$@" checkpoint_every=0 out="$tmp/a" > /dev/null
        "$bindir/$exe" "$@" out="$tmp/b" > /dev/null
        w0=$(echo "$w0 $(ini "$tmp/a" wall_s)" | awk '{ print $1 + $2 }')
        w1=$(echo "$w1 $(ini "$tmp/b" wall_s)" | awk '{ print $1 + $2 }')
        ck=$((ck + $(ini "$tmp/b" checkpoints)))
        cs=$(echo "$cs $(ini "$tmp/b" checkpoint_s)" | awk '{ print $1 + $2 }')
        i=$((i + 1))
    done
    state=$(ls -l "$tmp/b/checkpoint.bin" 2> /dev/null | awk '{ printf "%.0f kB", $5 / 1000 }')
    echo "$name|$state|$w0|$w1|$ck|$cs|$reps" |
        awk -F'|' '{ printf "| %s | %s | %.2f s | %.2f s | %.4f | %d | %.2e |\n", $1, $2, $3 / $7, $4 / $7, $4 / $3, $5 / $7, $6 / $4 }'
}
bench "mfd-deep d=64, N=4" mfd-deep depth=4 d=64 target=identity init=gaussian eps=0.1 eta=0.002 iters=60000 tol=0
bench "mfd-scaled gd, completion n=400, k=10" mfd-scaled method=gd problem=completion n=400 r=5 k=10 eta=0.2 iters=20000 tol=0
