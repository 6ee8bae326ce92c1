#!/bin/sh
# Faults: runs killed with SIGKILL at random moments (before the first
# checkpoint, between checkpoints, in the middle of writing one, while the
# run's files are finished), once or twice, then started again until they
# end.  Each must end bitwise equal to the run that was not interrupted
# (times aside), in every program, real and complex; a kill never leaves a
# checkpoint that is refused.
# usage: cli_ckpt_kill.sh <bin dir of the programs> <workdir> <trials> [seed]
bindir=$1
work=$2
trials=${3:-6}
seed=${4:-1}
exe=$bindir/mfd-deep
prog=mfd-deep
. "$(dirname "$0")/testlib.sh"
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1

# The configurations, one a line: program, then its arguments.  Checkpoints
# are frequent so that kills often land inside one.
cat > configs.txt << CONFIGS
mfd-deep depth=4 d=4 target=identity init=gaussian eps=0.3 a=30 seed=3 eta=0.005 iters=20000 tol=1e-24 monitor_invariants=1 save_final=1 snapshots=1 checkpoint_every=300
mfd-deep depth=4 d=4 field=complex target=identity init=gaussian eps=0.3 a=1 seed=5 eta=0.005 iters=12000 tol=1e-24 monitor_thm11=1 save_final=1 checkpoint_every=200
mfd-sense model=asym n=20 k=4 r=2 alpha=0.1 eta=0.2 iters=12000 seed=1 rebalance_eps0=1e-3 save_final=1 snapshots=1 checkpoint_every=250
mfd-scaled method=precgd problem=sensing n=30 r=3 k=5 kappa=10 eta=0.5 iters=1500 tol=0 save_final=1 snapshots=1 checkpoint_every=40
CONFIGS
nconf=$(wc -l < configs.txt)

# references, and how long each takes
i=1
while [ $i -le "$nconf" ]; do
    set -- $(sed -n "${i}p" configs.txt)
    p=$1
    shift
    t0=$(date +%s.%N)
    "$bindir/$p" "$@" out=ref$i > /dev/null 2>&1 || fail "reference run $i"
    t1=$(date +%s.%N)
    echo "$t0 $t1" | awk '{ printf "%.3f\n", $2 - $1 }' > dur$i
    i=$((i + 1))
done

# the kill times: uniform in [0, 1.1 x the run's duration], from seed
awk -v n="$trials" -v s="$seed" 'BEGIN { srand(s); for (i = 0; i < 2 * n; i++) printf "%.4f %d\n", rand(), rand() < 0.3 }' \
    > draws.txt

ok=0 killed=0 mid=0
trial=1
while [ $trial -le "$trials" ]; do
    c=$(( (trial - 1) % nconf + 1 ))
    set -- $(sed -n "${c}p" configs.txt)
    p=$1
    shift
    dur=$(cat dur$c)
    rm -rf cut
    kills=1
    [ "$(sed -n "$((2 * trial))p" draws.txt | cut -d' ' -f2)" = 1 ] && kills=2
    k=1
    while [ $k -le $kills ]; do
        u=$(sed -n "$((2 * trial - 2 + k))p" draws.txt | cut -d' ' -f1)
        delay=$(echo "$u $dur" | awk '{ printf "%.4f", 1.1 * $1 * $2 }')
        stale=0
        [ -e cut/checkpoint.bin.part ] && stale=1
        "$bindir/$p" "$@" out=cut > /dev/null 2>&1 &
        pid=$!
        sleep "$delay"
        if kill -KILL $pid 2> /dev/null; then
            killed=$((killed + 1))
            # a checkpoint was being written (counted only when no earlier kill left its .part)
            [ $stale = 0 ] && [ -e cut/checkpoint.bin.part ] && mid=$((mid + 1))
        fi
        wait $pid 2> /dev/null
        k=$((k + 1))
    done
    "$bindir/$p" "$@" out=cut > /dev/null 2> resume_err.txt
    code=$?
    if [ $code -eq 0 ] && same_run ref$c cut > diff.txt; then
        ok=$((ok + 1))
    else
        fail "trial $trial ($p, $kills kill(s), exit $code): $(cat resume_err.txt diff.txt | head -5)"
        cp -r cut "failed_$trial" 2> /dev/null
    fi
    trial=$((trial + 1))
done
check "$ok of $trials runs killed at random moments ($killed kills, $mid while a checkpoint was being written) end bitwise equal to the uninterrupted run" \
    "[ $ok -eq $trials ]"
finish
