#!/bin/sh
# mfd-deep --runs steps the runs of one shape together (lock-step
# ensembles): every run's folder must be the one the run writes alone, byte
# for byte but for the times.  The batch mixes real and complex, d = 2, 3, 4,
# 8, N = 2, 3, 4, a = 0 and a > 0, several seeds and steps, runs that end
# early (converged, diverged, plateau) so that lanes are refilled, a shape
# with more runs than lanes, and runs that go the single-run path (a mask,
# a monitor, d = 9, a shape with one run).  Every run logs every iteration
# (log_every=1: all the diagnostics at every step) and saves its final and
# input files.
# usage: cli_lockstep.sh <mfd-deep> <workdir>
exe=$1
prog=mfd-deep
work=$2
. "$(dirname "$0")/testlib.sh"
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1

TAB=$(printf "\t")
common="log_every=1${TAB}save_final=1${TAB}save_inputs=1"
: > batch.runs
n=0
add() { # the run's keys (TAB-separated), named r/<n>
    n=$((n + 1))
    printf '%s\t%s\tout=r/%03d\n' "$1" "$common" "$n" >> batch.runs
}
for field in real complex; do
    for d in 2 3 4 8; do
        for N in 2 3 4; do
            base="field=$field${TAB}d=$d${TAB}depth=$N${TAB}iters=60"
            add "$base${TAB}seed=1${TAB}eta=0.02"
            add "$base${TAB}seed=2${TAB}eta=0.01${TAB}init=balanced_gaussian"
            add "$base${TAB}seed=3${TAB}a=0.5${TAB}eta=0.02"
            add "$base${TAB}seed=4${TAB}a=2${TAB}eta=0.01${TAB}target=haar"
        done
    done
done
# more runs of one shape than lanes, ending at different iterations: lanes refilled
for s in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32 33 34 35; do
    add "d=2${TAB}depth=4${TAB}a=1${TAB}seed=$s${TAB}eta=0.05${TAB}iters=$((20 + 7 * s))"
done
# early stops inside a shape: converged, diverged, plateau
add "d=2${TAB}depth=4${TAB}a=1${TAB}seed=40${TAB}eta=0.05${TAB}iters=5000${TAB}tol=1e-6${TAB}init=identity${TAB}eps=0.8"
add "d=2${TAB}depth=4${TAB}a=1${TAB}seed=41${TAB}eta=50${TAB}iters=500${TAB}init=identity${TAB}eps=3"
add "d=2${TAB}depth=4${TAB}a=1${TAB}seed=42${TAB}eta=0.05${TAB}iters=3000${TAB}plateau_window=50${TAB}plateau_rtol=1e-3"
add "field=complex${TAB}d=4${TAB}depth=4${TAB}a=0.3${TAB}seed=43${TAB}eta=0.05${TAB}iters=3000${TAB}tol=1e-8${TAB}init=identity${TAB}eps=0.8"
# the single-run path: a completion mask, a monitor, d above the ensemble's, a shape alone
add "d=4${TAB}depth=4${TAB}seed=50${TAB}iters=40${TAB}observed=10"
add "d=4${TAB}depth=4${TAB}seed=51${TAB}iters=40${TAB}monitor_invariants=1"
add "d=9${TAB}depth=3${TAB}seed=52${TAB}iters=40"
add "d=9${TAB}depth=3${TAB}seed=53${TAB}iters=40${TAB}a=1"
add "d=5${TAB}depth=5${TAB}seed=54${TAB}iters=40"

"$exe" --runs batch.runs > batch.log 2>&1
code=$?
check "the batch exits 0" "[ $code -eq 0 ]"
check "every run of the batch is complete ($n runs)" "[ \$(ls r/*/summary.csv | wc -l) -eq $n ]"
mv r lock

# each run alone, into the same folder name
while IFS= read -r line; do
    # shellcheck disable=SC2086
    (IFS=$TAB; set -f; "$exe" $line > /dev/null 2>&1)
done < batch.runs
check "every run alone is complete" "[ \$(ls r/*/summary.csv | wc -l) -eq $n ]"

# trace.csv without time_s and its started line; summary.csv without the
# timing columns; run.ini without started, ended, wall_s and the checkpoint
# counts (checkpoint_every=auto decides by the clock); final/*.npy as they are
trace_values() { grep -v '^# started: ' "$1" | cut -d, -f1,3-; }
summary_values() { # FILE: the summary with wall_s, algo_s, s_per_iter and time_to_* left out
    awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) skip[i] = ($i ~ /^(wall_s|algo_s|s_per_iter|time_to_.*)$/) }
             { out = ""; for (i = 1; i <= NF; i++) if (!skip[i]) out = out (out == "" ? "" : ",") $i; print out }' "$1"
}
bad=""
for dir in lock/*; do
    k=${dir#lock/}
    a=lock/$k b=r/$k
    trace_values "$a/trace.csv" > ta.txt
    trace_values "$b/trace.csv" > tb.txt
    summary_values "$a/summary.csv" > sa.txt
    summary_values "$b/summary.csv" > sb.txt
    grep -v '^\(started\|ended\|wall_s\|checkpoints\|checkpoint_s\) = ' "$a/run.ini" > ia.txt
    grep -v '^\(started\|ended\|wall_s\|checkpoints\|checkpoint_s\) = ' "$b/run.ini" > ib.txt
    same=1
    cmp -s ta.txt tb.txt && cmp -s sa.txt sb.txt && cmp -s ia.txt ib.txt || same=0
    for f in W.npy W0.npy target.npy; do
        cmp -s "$a/final/$f" "$b/final/$f" || same=0
    done
    [ $same -eq 1 ] || bad="$bad $k"
done
check "every run of the batch equals the run alone, byte for byte but the times (trace, summary, run.ini, final files)" \
    "[ -z '$bad' ]"
[ -z "$bad" ] || echo "differ:$bad"
check "the trace has a row per iteration (diagnostics at every step)" \
    "[ \$(grep -v '^#' lock/001/trace.csv | wc -l) -eq 62 ]"
check "the early stops happened in the batch (converged, diverged, plateau, converged)" \
    "grep -q ',converged,' lock/132/summary.csv && grep -q ',diverged,' lock/133/summary.csv &&
     grep -q ',plateau,' lock/134/summary.csv && grep -q ',converged,' lock/135/summary.csv"

# MFD_LOCKSTEP=0 steps every run alone in the batch: the same files again
MFD_LOCKSTEP=0 "$exe" --runs batch.runs > /dev/null 2>&1
check "MFD_LOCKSTEP=0: the batch exits 0" "[ $? -eq 0 ]"
for k in 001 050 100 140; do
    trace_values "lock/$k/trace.csv" > ta.txt
    trace_values "r/$k/trace.csv" > tb.txt
    check "MFD_LOCKSTEP=0 gives the same trace ($k)" "cmp -s ta.txt tb.txt"
done

# the batch completes its runs through one queue (a file-system sync per
# flush): nothing is left under a .part name, and MFD_SYNC=each (an fsync per
# file, the one-run path's way) writes the same files
check "the batch leaves no .part file" "[ -z \"\$(find lock -name '*.part')\" ]"
rm -rf r
MFD_SYNC=each "$exe" --runs batch.runs > /dev/null 2>&1
check "MFD_SYNC=each: the batch exits 0" "[ $? -eq 0 ]"
for k in 001 100 135; do
    trace_values "lock/$k/trace.csv" > ta.txt
    trace_values "r/$k/trace.csv" > tb.txt
    check "MFD_SYNC=each gives the same trace ($k)" "cmp -s ta.txt tb.txt"
done
rm -rf r
MFD_SYNC=sometimes "$exe" --runs batch.runs > sync.log 2>&1
code=$?
check "MFD_SYNC=sometimes is refused (exit 2) naming the variable, the value and the choices" \
    "[ $code -eq 2 ] && grep -q \"MFD_SYNC: 'sometimes'.*batch or each\" sync.log"
check "MFD_SYNC=sometimes writes nothing" "[ ! -e r ]"

# the narrower SIMD paths give the same bits
for path in avx2 plain; do
    rm -rf r
    MFD_SMALL_KERNELS=$path "$exe" --runs batch.runs > /dev/null 2>&1
    check "MFD_SMALL_KERNELS=$path: the batch exits 0" "[ $? -eq 0 ]"
    bad=""
    for k in 001 005 010 040 050 060 090 096 110 132 135; do
        trace_values "lock/$k/trace.csv" > ta.txt
        trace_values "r/$k/trace.csv" > tb.txt
        cmp -s ta.txt tb.txt && cmp -s "lock/$k/final/W.npy" "r/$k/final/W.npy" || bad="$bad $k"
    done
    check "MFD_SMALL_KERNELS=$path: the same traces and final layers" "[ -z '$bad' ]"
done
# checkpoints and snapshots in lock-step: five runs of one shape written with
# checkpoints, then their budget raised: each continues in an ensemble from
# its own checkpoint and equals a fresh run of the larger budget done alone
# (an explicit slope window: the default one moves with iters)
ck="d=3${TAB}depth=3${TAB}a=0.5${TAB}eta=0.02${TAB}checkpoint_every=10${TAB}snapshots=1${TAB}save_final=1${TAB}slope_t0=2${TAB}slope_t1=30"
: > ck40.runs
: > ck90.runs
for s in 1 2 3 4 5; do
    printf '%s\tseed=%d\titers=40\tout=ck/%d\n' "$ck" $s $s >> ck40.runs
    printf '%s\tseed=%d\titers=90\tout=ck/%d\n' "$ck" $s $s >> ck90.runs
    (IFS=$TAB; set -f; "$exe" $ck seed=$s iters=90 out=ckf/$s > /dev/null 2>&1)
done
"$exe" --runs ck40.runs > /dev/null 2>&1
check "checkpoints in lock-step: the batch of 40 iterations exits 0 with a checkpoint per run" \
    "[ $? -eq 0 ] && [ \$(ls ck/*/checkpoint.bin | wc -l) -eq 5 ]"
"$exe" --runs ck90.runs > ck90.log 2>&1
code=$?
ok=0
for s in 1 2 3 4 5; do
    same_run ckf/$s ck/$s && ok=$((ok + 1))
done
check "raised to 90 iterations, the five runs continue in lock-step from their checkpoints and equal fresh runs alone" \
    "[ $code -eq 0 ] && [ \$(grep -l '^resumed_from = 40' ck/*/run.ini | wc -l) -eq 5 ] && [ $ok -eq 5 ]"
finish
