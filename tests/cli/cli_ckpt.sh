#!/bin/sh
# Checkpoints: a run killed after a checkpoint and started again ends bitwise
# equal to the run that was not interrupted (times aside), in each program,
# real and complex, with every rule's state and every accumulator; a larger
# budget continues a finished run and ends equal to a fresh run with that
# budget; complete runs are left as they are; checkpoints of another run,
# corrupt or truncated ones are refused (exit 2) and restart=fresh starts
# afresh.
# usage: cli_ckpt.sh <bin dir of the programs> <workdir>
bindir=$1
work=$2
deep=$bindir/mfd-deep
sense=$bindir/mfd-sense
scaled=$bindir/mfd-scaled
exe=$deep
prog=mfd-deep
. "$(dirname "$0")/testlib.sh"
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1

# resumes NAME EXE ARGS...: reference run, killed run continued, compared
resumes() {
    name=$1 rexe=$2
    shift 2
    "$rexe" "$@" out=ref > /dev/null 2>&1
    run_killed "$rexe" cut "$@"
    code=$?
    pieces=$(sed -n 's/^pieces = //p' cut/run.ini 2> /dev/null)
    if [ $code -eq 0 ] && [ "$pieces" = 2 ] && grep -q "continuing 'cut' from its checkpoint" resume_err.txt &&
        same_run ref cut; then
        pass "$name: killed after a checkpoint, continued, bitwise equal ($(sed -n 's/^resumed_from = /from /p' cut/run.ini))"
    else
        fail "$name: killed after a checkpoint, continued, bitwise equal (exit $code, pieces $pieces)"
    fi
    rm -rf ref cut
}

D0="depth=4 d=4 target=identity init=gaussian eps=0.3 eta=0.005 tol=1e-24 save_final=1 snapshots=1"
D1="$D0 a=30 seed=3"
resumes "mfd-deep real, monitors of Thm 4, 5 and 8" "$deep" $D1 iters=60000 monitor_invariants=1 monitor_thm8=1 \
    checkpoint_every=4000
resumes "mfd-deep complex, Thm 11's monitor" "$deep" $D0 field=complex a=1 seed=5 iters=30000 monitor_thm11=1 \
    monitor_invariants=1 checkpoint_every=500
resumes "mfd-deep rectangular layers" "$deep" widths=3,5,4 target=lowrank target_rank=2 eps=0.1 eta=0.05 \
    iters=20000 tol=1e-30 log_every=50 save_final=1 snapshots=1 checkpoint_every=1000
resumes "mfd-deep completion (test_err_min), mode times" "$deep" depth=3 d=8 observed=40 target=lowrank \
    target_rank=2 init=gaussian_achl eps=1e-3 eta=0.05 iters=20000 save_final=1 checkpoint_every=1000
resumes "mfd-sense asym, S4's step taken before the kill" "$sense" model=asym n=20 k=4 r=2 alpha=0.1 eta=0.2 \
    iters=30000 seed=1 rebalance_eps0=1e-3 save_final=1 snapshots=1 checkpoint_every=800
resumes "mfd-sense sym" "$sense" model=sym n=20 k=4 r=2 alpha=0.1 eta=0.2 iters=30000 seed=1 save_final=1 \
    checkpoint_every=2000
P="problem=sensing n=30 r=3 kappa=10 eta=0.5 iters=1500 tol=0 save_final=1"
resumes "mfd-scaled precgd (lambda_last)" "$scaled" method=precgd k=5 $P snapshots=1 checkpoint_every=100
resumes "mfd-scaled altscaledgd from small init" "$scaled" method=altscaledgd init=small alpha=1e-3 $P \
    checkpoint_every=100
resumes "mfd-scaled scaledgd_lambda, sym" "$scaled" method=scaledgd_lambda lambda=1e-4 model=sym k=5 init=small \
    alpha=1e-3 $P checkpoint_every=100
resumes "mfd-scaled scaledgd on robust PCA" "$scaled" method=scaledgd problem=rpca n=40 r=3 kappa=5 eta=0.5 \
    iters=3000 tol=0 save_final=1 checkpoint_every=150
resumes "mfd-scaled gd with noise, its least error before the checkpoint" "$scaled" method=gd problem=sensing n=30 \
    r=3 kappa=5 eta=0.3 snr_db=5 iters=20000 tol=0 checkpoint_every=1000
resumes "mfd-scaled gd on sparse completion" "$scaled" method=gd problem=completion sparse=1 n=60 r=3 kappa=5 \
    eta=0.5 iters=3000 tol=0 save_final=1 checkpoint_every=150
resumes "mfd-scaled on an operator drawn on the fly, [TMC21]'s noise" "$scaled" method=scaledgd \
    problem=sensing operator=gaussian_otf n=20 r=2 k=3 kappa=5 eta=0.5 snr_db=20 noise_model=tmc21 iters=600 tol=0 \
    save_final=1 checkpoint_every=50
resumes "mfd-scaled robust PCA, [TMC21]'s outliers" "$scaled" method=scaledgd problem=rpca outlier_model=tmc21 n=40 \
    r=3 kappa=5 eta=0.5 iters=3000 tol=0 save_final=1 checkpoint_every=150

# -- a batch (--runs FILE) killed in its middle: each run continues from its own checkpoint
rm -rf b1 b2 b3 r1 r2 r3
B="method=precgd	problem=sensing	n=30	r=3	k=5	kappa=10	eta=0.5	iters=1500	tol=0	save_final=1	checkpoint_every=100"
printf '%s\tseed=1\tout=b1\n%s\tseed=2\tout=b2\n%s\tseed=3\tout=b3\n' "$B" "$B" "$B" > batch.runs
for i in 1 2 3; do
    "$scaled" $(echo "$B" | tr '\t' ' ') seed=$i out=r$i > /dev/null 2>&1
done
"$scaled" --runs batch.runs > /dev/null 2>&1 &
bpid=$!
while [ ! -f b2/checkpoint.bin ] && kill -0 $bpid 2> /dev/null; do sleep 0.002; done
kill -KILL $bpid 2> /dev/null
wait $bpid 2> /dev/null
had1=$([ -f b1/summary.csv ] && echo complete || echo partial)
"$scaled" --runs batch.runs > /dev/null 2> batch_err.txt
check "a batch killed in its second run ($had1 first run): run 2 continues from its checkpoint, all three equal single runs" \
    "grep -q \"continuing 'b2' from its checkpoint\" batch_err.txt && same_run r1 b1 && same_run r2 b2 && same_run r3 b3"

# -- a larger budget continues a finished run (stopped at max_iter)
extends() { # NAME EXE SMALL LARGE ARGS...: ITERS=SMALL then LARGE on one folder, against a fresh LARGE
    name=$1 eexe=$2 small=$3 large=$4
    shift 4
    rm -rf ext fresh
    "$eexe" "$@" iters=$small out=ext > /dev/null 2>&1
    "$eexe" "$@" iters=$large out=ext > /dev/null 2> ext_err.txt
    "$eexe" "$@" iters=$large out=fresh > /dev/null 2>&1
}
extends "deep" "$deep" 2000 40000 $D1 checkpoint_every=1000
check "raising iters 2000 -> 40000 continues the finished run from iteration 2000" \
    "grep -q \"extending 'ext' from its checkpoint at iteration 2000 to iters = 40000\" ext_err.txt && grep -q '^resumed_from = 2000' ext/run.ini"
check "and ends bitwise equal to a fresh run of 40000 iterations" "same_run ext fresh"
cp ext/summary.csv before.csv
"$deep" $D1 checkpoint_every=1000 iters=40000 out=ext > out.txt 2>&1
check "the same command again leaves the complete run as it is (exit 0)" \
    "[ \$? -eq 0 ] && grep -q 'is complete (max_iter after 40000 iterations); not touched' out.txt && cmp -s before.csv ext/summary.csv"
extends "deep, default window" "$deep" 2000 3000 $D1 checkpoint_every=1000
check "2000 -> 3000: the window [300, 3000] needs errors before the checkpoint: started afresh, said so" \
    "grep -q 'starting afresh' ext_err.txt && ! grep -q '^resumed_from' ext/run.ini"
check "and ends bitwise equal to a fresh run of 3000 iterations" "same_run ext fresh"
extends "deep, explicit window" "$deep" 2000 3000 $D1 slope_t0=100 slope_t1=1000 checkpoint_every=1000
check "2000 -> 3000 with the window [100, 1000] continues from 2000, bitwise equal to a fresh run" \
    "grep -q '^resumed_from = 2000' ext/run.ini && same_run ext fresh"
extends "scaled" "$scaled" 300 3000 method=scaledgd problem=sensing n=30 r=3 k=5 init=small alpha=1e-3 lambda=0 \
    kappa=10 eta=0.3 tol=0 save_final=1 snapshots=1 checkpoint_every=100
check "mfd-scaled: 300 -> 3000 continues, bitwise equal to a fresh run (snapshots included)" \
    "grep -q '^resumed_from = 300' ext/run.ini && same_run ext fresh"
rm -rf conv
"$deep" $D1 field=complex iters=20000 checkpoint_every=1000 out=conv > /dev/null 2>&1
cp conv/summary.csv before.csv
"$deep" $D1 field=complex iters=90000 checkpoint_every=1000 out=conv > out.txt 2>&1
check "a converged run is complete: a larger budget leaves it as it is, and it keeps no checkpoint" \
    "[ \$? -eq 0 ] && grep -q 'is complete (converged after' out.txt && cmp -s before.csv conv/summary.csv && [ ! -f conv/checkpoint.bin ]"

# -- mfd run: a spec whose iters was raised continues the runs that stopped at max_iter
rm -rf drv && mkdir -p drv/a drv/b
cat > drv/a/ext.ini << 'SPEC'
[experiment]
program = mfd-deep
repetitions = 2
seed = 3
method_keys = eta

[fixed]
depth = 3
d = 3
iters = 2000
tol = 1e-12
slope_t0 = 10
slope_t1 = 100
checkpoint_every = 500
save_final = 1

[sweep]
eta = 0.01, 0.3
SPEC
sed 's/^iters = 2000/iters = 6000/' drv/a/ext.ini > drv/b/ext.ini
"$bindir/mfd" run drv/a/ext.ini --results drv/res -j 1 > /dev/null 2>&1
"$bindir/mfd" run drv/b/ext.ini --results drv/res -j 1 > drv/out.txt 2>&1
check "mfd run with iters raised 2000 -> 6000: 4 runs continued from the complete ones" \
    "grep -q 'ext: 4 runs continued from complete runs of a smaller budget' drv/out.txt && [ \$(grep -l 'continuing .* from its checkpoint at iteration 2000' drv/res/ext/logs/*.log | wc -l) -eq 2 ] && [ \$(grep -l 'is complete (converged' drv/res/ext/logs/*.log | wc -l) -eq 2 ]"
ok=0
"$bindir/mfd" plan drv/b/ext.ini > drv/plan.txt
while read -r idx id pexe args; do
    dir=drv/res/ext/runs/$id
    "$bindir/$pexe" $(echo "$args" | sed 's/ out=.*//') out=drv/fresh$idx > /dev/null 2>&1
    same_run drv/fresh$idx $dir && ok=$((ok + 1))
done < drv/plan.txt
check "the 2 continued runs and the 2 converged ones, copied as they were, equal fresh runs of 6000 iterations" \
    "[ $ok -eq 4 ] && [ \$(grep -l '^resumed_from = 2000' drv/res/ext/runs/*/run.ini | wc -l) -eq 2 ] && [ \$(ls drv/res/ext/runs | wc -l) -eq 8 ] && [ \$(grep -l '^iters = 2000' drv/res/ext/runs/*/run.ini | wc -l) -eq 6 ]"
"$bindir/mfd" run drv/b/ext.ini --results drv/res -j 1 > drv/out.txt 2>&1
check "and a third mfd run finds every run complete" "grep -q '0 runs done, 4 already complete' drv/out.txt"
# the copy of a run to continue has no summary.csv until the program continues it: a driver whose
# programs never ran (here they fail at once) leaves two folders that are not complete, and the next
# mfd run continues them to the fresh runs' bits
"$bindir/mfd" run drv/a/ext.ini --results drv/res8 -j 1 > /dev/null 2>&1
MFD_WRAP=false "$bindir/mfd" run drv/b/ext.ini --results drv/res8 -j 1 > drv/out8.txt 2>&1
check "copied to continue and never continued (every program failed): no summary.csv, so not complete; the 2 converged copies are" \
    "[ \$(ls drv/res8/ext/runs/*/run.ini | wc -l) -eq 8 ] && [ \$(ls drv/res8/ext/runs/*/summary.csv | wc -l) -eq 6 ] && grep -q '4 failed' drv/out8.txt"
"$bindir/mfd" run drv/b/ext.ini --results drv/res8 -j 1 > drv/out8.txt 2>&1
ok=0
while read -r idx id pexe args; do
    same_run drv/fresh$idx drv/res8/ext/runs/$id && ok=$((ok + 1))
done < drv/plan.txt
check "... and the next mfd run continues them: the 4 runs equal fresh runs of 6000 iterations" \
    "grep -q '2 runs done, 2 already complete' drv/out8.txt && [ $ok -eq 4 ]"
# a copy that fails leaves nothing behind and the run starts afresh; a copy a killed driver left is removed
"$bindir/mfd" run drv/a/ext.ini --results drv/res9 -j 1 > /dev/null 2>&1
"$bindir/mfd" plan drv/a/ext.ini | sed -n 1p | { read -r _ aid _; ln -s /nonexistent drv/res9/ext/runs/$aid/dangling; }
bid1=$("$bindir/mfd" plan drv/b/ext.ini | sed -n 1p | cut -d' ' -f2)
bid2=$("$bindir/mfd" plan drv/b/ext.ini | sed -n 2p | cut -d' ' -f2)
dead=$(sh -c 'echo $$') # the pid of a process that has ended: a copy it left is stale
mkdir -p drv/res9/ext/runs/$bid2.adopt.$dead && touch drv/res9/ext/runs/$bid2.adopt.$dead/run.ini
mkdir -p drv/res9/ext/runs/$bid2.adopt.$$ # a copy of a driver that still runs (this shell) is left alone
"$bindir/mfd" run drv/b/ext.ini --results drv/res9 -j 1 > drv/out9.txt 2>&1
check "a sibling that cannot be copied (a dangling link in it): 3 runs continued, that one run afresh, no copy left; a dead driver's copy removed, a live one's kept" \
    "grep -q 'ext: 3 runs continued' drv/out9.txt && ! grep -q '^resumed_from' drv/res9/ext/runs/$bid1/run.ini && [ \$(ls drv/res9/ext/runs | grep -c adopt) -eq 1 ] && [ -d drv/res9/ext/runs/$bid2.adopt.$$ ] && [ -f drv/res9/ext/runs/$bid2/summary.csv ]"
# with the default slope window [iters/10, iters] a converged run's summary depends on iters: only the runs
# that stopped at max_iter are continued, the others run afresh; every run equals a fresh one
mkdir -p drv/c drv/d
grep -v '^slope_t' drv/a/ext.ini > drv/c/ext.ini
sed 's/^iters = 2000/iters = 30000/' drv/c/ext.ini > drv/d/ext.ini
"$bindir/mfd" run drv/c/ext.ini --results drv/res2 -j 1 > /dev/null 2>&1
"$bindir/mfd" run drv/d/ext.ini --results drv/res2 -j 1 > drv/out.txt 2>&1
ok=0
"$bindir/mfd" plan drv/d/ext.ini > drv/plan.txt
while read -r idx id pexe args; do
    "$bindir/$pexe" $(echo "$args" | sed 's/ out=.*//') out=drv/fresh2_$idx > /dev/null 2>&1
    same_run drv/fresh2_$idx drv/res2/ext/runs/$id && ok=$((ok + 1))
done < drv/plan.txt
check "default window, iters 2000 -> 30000: the 2 max_iter runs continued, the 2 converged ones run afresh, all 4 equal fresh runs" \
    "grep -q 'ext: 2 runs continued' drv/out.txt && [ \$(grep -l '^resumed_from = 2000' drv/res2/ext/runs/*/run.ini | wc -l) -eq 2 ] && [ $ok -eq 4 ]"

# -- mfd run killed (driver and children) while its runs hold checkpoints: the next mfd run continues them
mkdir -p drv/k
cat > drv/k/kill.ini << 'SPEC'
[experiment]
program = mfd-scaled
repetitions = 2
seed = 5

[fixed]
method = precgd
problem = sensing
n = 30
r = 3
k = 5
kappa = 10
eta = 0.5
iters = 6000
tol = 0
slope_t0 = 10
slope_t1 = 100
checkpoint_every = 200
save_final = 1
SPEC
setsid "$bindir/mfd" run drv/k/kill.ini --results drv/kres -j 2 --batch 1 > /dev/null 2>&1 &
dpid=$!
while [ "$(ls drv/kres/kill/runs/*/checkpoint.bin 2> /dev/null | wc -l)" -lt 2 ] && kill -0 $dpid 2> /dev/null; do
    sleep 0.002
done
kill -KILL -$dpid 2> /dev/null
wait $dpid 2> /dev/null
sleep 0.1
"$bindir/mfd" run drv/k/kill.ini --results drv/kres -j 2 --batch 1 > drv/out.txt 2>&1
ok=0
"$bindir/mfd" plan drv/k/kill.ini > drv/plan.txt
while read -r idx id pexe args; do
    "$bindir/$pexe" $(echo "$args" | sed 's/ out=.*//') out=drv/kfresh$idx > /dev/null 2>&1
    same_run drv/kfresh$idx drv/kres/kill/runs/$id && ok=$((ok + 1))
done < drv/plan.txt
check "mfd run killed with its runs part-way: the next mfd run continues them from their checkpoints, equal to fresh runs" \
    "[ $ok -eq 2 ] && [ \$(grep -l 'continuing .* from its checkpoint' drv/kres/kill/logs/*.log | wc -l) -ge 1 ]"

# -- refusals: another run's checkpoint, a damaged one, a budget below it
rm -rf part
"$deep" $D1 iters=3000 checkpoint_every=1000 out=part > /dev/null 2>&1
rm part/summary.csv part/run.ini # as if interrupted: its checkpoint at 3000, no summary
mv part/trace.csv part/trace.csv.part
cp -r part part0
"$deep" $D0 a=30 iters=9000 seed=4 checkpoint_every=1000 out=part > err.txt 2>&1
check "another seed is refused (exit 2), naming the key and both values" \
    "[ \$? -eq 2 ] && grep -q \"key 'seed': the checkpoint 'part/checkpoint.bin' belongs to a run with seed = 3, not 4\" err.txt"
"$deep" depth=4 d=5 target=identity init=gaussian eps=0.3 eta=0.005 tol=1e-24 save_final=1 snapshots=1 a=30 seed=3 \
    iters=9000 checkpoint_every=1000 out=part > err.txt 2>&1
check "another size is refused (exit 2), naming the key" "[ \$? -eq 2 ] && grep -q \"key 'd':\" err.txt"
"$deep" $D1 iters=9000 log_per_decade=7 checkpoint_every=1000 out=part > err.txt 2>&1
check "another logging key is refused (exit 2): the accumulators depend on it" \
    "[ \$? -eq 2 ] && grep -q \"key 'log_per_decade':\" err.txt"
"$deep" $D1 iters=2000 checkpoint_every=1000 out=part > err.txt 2>&1
check "a budget below the checkpoint's iteration is refused (exit 2)" "[ \$? -eq 2 ] && grep -q \"key 'iters': 2000 is below\" err.txt"
check "and nothing was changed by the refusals" "cmp -s part/checkpoint.bin part0/checkpoint.bin && cmp -s part/trace.csv.part part0/trace.csv.part"
"$sense" n=4 k=2 r=1 iters=10 out=part > err.txt 2>&1
check "a checkpoint of another program is refused (exit 2)" "[ \$? -eq 2 ] && grep -q 'is a checkpoint of mfd-deep, not of mfd-sense' err.txt"
rm -rf sc
"$scaled" method=scaledgd problem=factorization n=20 r=2 iters=400 tol=0 checkpoint_every=100 out=sc > /dev/null 2>&1
"$scaled" method=gd problem=factorization n=20 r=2 iters=800 tol=0 checkpoint_every=100 out=sc > err.txt 2>&1
check "mfd-scaled: another method is refused (exit 2), naming the key" "[ \$? -eq 2 ] && grep -q \"key 'method':\" err.txt"
cp part0/checkpoint.bin good.bin
size=$(wc -c < good.bin)
printf 'X' | dd of=part/checkpoint.bin bs=1 seek=$((size - 9)) conv=notrunc 2> /dev/null
"$deep" $D1 iters=9000 checkpoint_every=1000 out=part > err.txt 2>&1
check "a checkpoint with a damaged byte is refused (exit 2) as corrupt, pointing to restart=fresh" \
    "[ \$? -eq 2 ] && grep -q 'is corrupt: the checksum of its state does not match; restart=fresh' err.txt"
head -c $((size / 2)) good.bin > part/checkpoint.bin
"$deep" $D1 iters=9000 checkpoint_every=1000 out=part > err.txt 2>&1
check "a truncated checkpoint is refused (exit 2)" "[ \$? -eq 2 ] && grep -q 'truncated' err.txt"
"$deep" $D1 iters=9000 checkpoint_every=1000 restart=fresh out=part > /dev/null 2>&1
rm -rf fresh
"$deep" $D1 iters=9000 checkpoint_every=1000 out=fresh > /dev/null 2>&1
check "restart=fresh starts afresh and ends as a fresh run" "[ -f part/summary.csv ] && same_run part fresh && ! grep -q resumed_from part/run.ini"
cp good.bin part0/checkpoint.bin
head -c 100 part0/trace.csv.part > t && mv t part0/trace.csv.part
"$deep" $D1 iters=9000 checkpoint_every=1000 out=part0 > err.txt 2>&1
check "a trace shorter than the checkpoint counts is refused (exit 2) before anything changes" \
    "[ \$? -eq 2 ] && grep -q 'cannot be continued: its trace has 100 bytes' err.txt && cmp -s good.bin part0/checkpoint.bin"
expect_error "checkpoint_every that is not a count" "key 'checkpoint_every': 'often' is not a number of iterations" \
    checkpoint_every=often
expect_error "restart that is not a choice" "key 'restart'" restart=always

# -- snapshots=1 load in NumPy: one array per factor, (rows of the trace, ...), iterations alongside
py=/usr/bin/python3
if [ -x $py ] && $py -c 'import numpy' 2> /dev/null; then
    cat > snap_check.py << 'PY'
import glob, os, sys
import numpy as np
d = sys.argv[1]
it = np.load(os.path.join(d, "snapshots", "iter.npy"))
rows = [l for l in open(os.path.join(d, "trace.csv")) if not l.startswith("#")]
col = rows[0].strip().split(",").index("iter")
assert it.dtype == np.int64 and it.ndim == 1, it.dtype
assert [int(float(r.split(",")[col])) for r in rows[1:]] == it.tolist(), "iter.npy is not the trace's iterations"
names = sorted(os.path.basename(f)[:-4] for f in glob.glob(os.path.join(d, "snapshots", "*.npy")))
names.remove("iter")
assert names == sys.argv[2].split(","), names
for n in names:
    a = np.load(os.path.join(d, "snapshots", n + ".npy"))
    assert a.shape[0] == it.shape[0] and a.dtype == np.dtype(sys.argv[3]), (n, a.shape, a.dtype)
    assert a.flags.f_contiguous or a.ndim > 1
    final = np.load(os.path.join(d, "final", n + ".npy"))
    assert a.shape[1:] == final.shape, (n, a.shape, final.shape)
    assert np.array_equal(a[-1], final), n + ": the last snapshot is not the final factor"
print(" ".join("%s%s" % (n, np.load(os.path.join(d, "snapshots", n + ".npy")).shape) for n in names))
PY
    snap() { # NAME NAMES DTYPE EXE ARGS...
        sname=$1 snames=$2 sdt=$3 sexe=$4
        shift 4
        rm -rf snap
        "$sexe" "$@" save_final=1 snapshots=1 out=snap > /dev/null 2>&1
        if shapes=$($py snap_check.py snap "$snames" "$sdt" 2>&1); then
            pass "snapshots load in NumPy, $sname: $shapes, iter.npy = the trace's iterations, the last = final/"
        else
            fail "snapshots load in NumPy, $sname: $shapes"
        fi
    }
    snap "mfd-deep real" W float64 "$deep" depth=3 d=4 target=identity init=gaussian eps=0.3 eta=0.01 iters=500
    snap "mfd-deep complex" W complex128 "$deep" depth=3 d=4 field=complex target=identity init=gaussian eps=0.3 \
        eta=0.01 iters=500
    snap "mfd-deep rectangular" W_1,W_2 float64 "$deep" widths=3,5,4 target=lowrank target_rank=2 eps=0.1 \
        eta=0.05 iters=300
    snap "mfd-sense asym" F,G float64 "$sense" model=asym n=20 k=4 r=2 alpha=0.1 eta=0.2 iters=300
    snap "mfd-scaled sym" X float64 "$scaled" method=scaledgd model=sym problem=sensing n=20 r=2 k=3 iters=200 tol=0
    rm -rf snapk snapr
    "$scaled" method=precgd problem=sensing n=30 r=3 k=5 kappa=10 eta=0.5 iters=1500 tol=0 save_final=1 \
        snapshots=1 out=snapr > /dev/null 2>&1
    run_killed "$scaled" snapk method=precgd problem=sensing n=30 r=3 k=5 kappa=10 eta=0.5 iters=1500 tol=0 \
        save_final=1 snapshots=1 checkpoint_every=100
    check "snapshots of a killed and continued run load in NumPy and equal the uninterrupted run's" \
        "$py snap_check.py snapk L,R float64 > /dev/null && same_run snapr snapk"
else
    echo "SKIP snapshots in NumPy: no $py with numpy"
fi

# -- checkpoint_every=auto: short runs write none; a final one only when cheap
rm -rf au
"$deep" $D1 iters=3000 out=au > /dev/null 2>&1
check "auto: a run of a fraction of a second writes no checkpoint" \
    "[ ! -f au/checkpoint.bin ] && grep -q '^checkpoints = 0' au/run.ini"
finish
