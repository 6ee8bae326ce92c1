#!/bin/sh
# The experiment driver: plans, sharding, resume after a kill, seeds, claims,
# and every malformed-spec error (with file and line).
# usage: cli_driver.sh <mfd> <tests/specs> <workdir>
exe=$1
prog=mfd
specs=$2
work=$3
. "$(dirname "$0")/testlib.sh"
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
mfd() { "$exe" "$@" --specs "$specs"; }

check "mfd list shows the specs" "mfd list | grep -q '^tiny .* 12 '"
check "mfd plan --count gives the product of the axes times the repetitions" "[ \"\$(mfd plan tiny --count)\" = 12 ]"
mfd plan tiny > plan1.txt
mfd plan tiny > plan2.txt
check "the plan is deterministic" "cmp -s plan1.txt plan2.txt && [ \$(wc -l < plan1.txt) -eq 12 ]"
check "the plan puts repetitions innermost and the last axis fastest" \
    "sed -n 1p plan1.txt | grep -q 'field=real eta=0.01 seed=' && sed -n 3p plan1.txt | grep -q 'field=real eta=0.02 seed='"

# zipped axes advance together: 2 pairs x 2 values x 1 repetition = 4 runs
printf '[experiment]\nprogram = mfd-deep\n[fixed]\niters = 5\n[sweep]\nfield, d = (real, 2),\n  (complex, 3)\neta = 0.01, 0.02\n' > zip.ini
"$exe" plan zip.ini > zip.txt
check "zipped axes (continued on a second line) pair their values" \
    "[ \$(wc -l < zip.txt) -eq 4 ] && grep -q 'field=real d=2 eta=0.02' zip.txt && grep -q 'field=complex d=3 eta=0.01' zip.txt && ! grep -q 'field=real d=3' zip.txt"
check "mfd plan --count counts a zipped group once" "[ \"\$("$exe" plan zip.ini --count)\" = 4 ]"

# several experiments share one pool of -j jobs (the long run takes about 3 s, the short ones a few ms each):
# the next one's runs start while the last run of the one
# before is still going, and the summary lines come in the order given; a bad spec stops the ones after it
printf '[experiment]\nprogram = mfd-deep\nrepetitions = 1\n[fixed]\nd = 24\ndepth = 4\niters = 160000\ntol = 1e-30\n' > long.ini
printf '[experiment]\nprogram = mfd-deep\nrepetitions = 6\nseed = 2\n[fixed]\nd = 2\niters = 200\n' > short.ini
printf '[experiment]\nprogram = mfd-deep\n[fixed]\nnot_a_key = 1\n' > bad.ini
"$exe" run long.ini short.ini --results pool -j 2 --batch 1 > pool.txt 2>&1
newest_short=$(ls -t pool/short/runs/*/summary.csv | head -1)
check "mfd run A B -j 2: B's runs end while A's one run is still going, and A's summary line comes first" \
    "[ \$(ls pool/short/runs/*/summary.csv | wc -l) -eq 6 ] && [ pool/long/runs/*/summary.csv -nt $newest_short ] && sed -n 1p pool.txt | grep -q '^long: 1 runs done' && sed -n 2p pool.txt | grep -q '^short: 6 runs done'"
"$exe" run short.ini bad.ini long.ini --results pool2 -j 2 > pool2.txt 2>&1
code=$?
"$exe" run short.ini short.ini --results pool3 -j 2 > pool3.txt 2>&1
check "an experiment named twice runs once, with one summary line" \
    "[ \$(grep -c '^short:' pool3.txt) -eq 1 ] && grep -q '^short: 6 runs done, 0 already complete, 0 taken by another runner, 0 failed' pool3.txt"
check "mfd run A bad C: exit 2, A runs, C does not start" \
    "[ $code -eq 2 ] && grep -q '^short: 6 runs done' pool2.txt && [ ! -d pool2/long ]"

# whole against two shards
mfd run tiny -j 2 --results whole > /dev/null 2>&1
check "a whole run completes all 12 runs" "[ \$(ls whole/tiny/runs/*/summary.csv | wc -l) -eq 12 ]"
mfd run tiny --shard 1/2 --results sharded > /dev/null 2>&1
check "shard 1/2 runs half of the plan" "[ \$(ls sharded/tiny/runs/*/summary.csv | wc -l) -eq 6 ]"
mfd run tiny --shard 2/2 --results sharded > /dev/null 2>&1
mfd collect tiny --results whole > /dev/null
mfd collect tiny --results sharded > /dev/null
check "a sweep run whole and as two shards gives identical index.csv" \
    "cmp -s whole/tiny/index.csv sharded/tiny/index.csv && [ \$(wc -l < whole/tiny/index.csv) -eq 13 ]"
check "timing columns go to timing.csv, not index.csv" \
    "! head -n 1 whole/tiny/index.csv | grep -q wall_s && head -n 1 whole/tiny/timing.csv | grep -q wall_s"
check "... and so do the times to thresholds" \
    "! head -n 1 whole/tiny/index.csv | grep -q time_to_ && head -n 1 whole/tiny/timing.csv | grep -q '^id,wall_s,algo_s,s_per_iter,time_to_7e-01\$'"
# plot and check before anything ran there: the error says that no run is complete
mfd plot tiny --results none > none.txt 2>&1
rc=$?
check "plot before any run: exit 2, and a note that names the experiment, folder and scale" \
    "[ $rc -eq 2 ] && grep -q 'note: tiny has no complete run in none/tiny (scale default): .mfd run. it first' none.txt"
# check and plot read a current index.csv as it is, and collect again when a summary is newer or gone
cp -r whole reuse
mfd collect tiny --results reuse > /dev/null
t0=$(date -r reuse/tiny/index.csv +%s.%N)
mfd check tiny --results reuse > /dev/null 2>&1
check "check leaves a current index.csv as it is" "[ \"\$(date -r reuse/tiny/index.csv +%s.%N)\" = '$t0' ]"
first=$(sed -n 1p plan1.txt | cut -d' ' -f2)
touch "reuse/tiny/runs/$first/summary.csv"
mfd check tiny --results reuse > /dev/null 2>&1
check "a summary newer than index.csv makes check collect again" "[ \"\$(date -r reuse/tiny/index.csv +%s.%N)\" != '$t0' ]"
rm "reuse/tiny/runs/$first/summary.csv"
mfd check tiny --results reuse > reuse.txt 2>&1
check "a run removed since makes check collect again (11 rows)" \
    "[ \$(wc -l < reuse/tiny/index.csv) -eq 12 ] && grep -q '11 of 12 runs' reuse.txt"
# the same count of runs, but not the same runs: a summary put back with an old time, another removed
second=$(sed -n 2p plan1.txt | cut -d' ' -f2)
cp "whole/tiny/runs/$first/summary.csv" "reuse/tiny/runs/$first/summary.csv"
touch -d '2000-01-01' "reuse/tiny/runs/$first/summary.csv"
rm "reuse/tiny/runs/$second/summary.csv"
mfd check tiny --results reuse > /dev/null 2>&1
check "other runs than the index's, as many and none newer: check collects again" \
    "grep -q '^$first,' reuse/tiny/index.csv && ! grep -q '^$second,' reuse/tiny/index.csv"
mfd run tiny --task 5 --results task > /dev/null 2>&1
check "--task 5 runs exactly run 5" "[ \$(ls task/tiny/runs/*/summary.csv | wc -l) -eq 1 ] && [ -f task/tiny/runs/\$(sed -n 6p plan1.txt | cut -d' ' -f2)/summary.csv ]"
out=$(mfd run tiny --results whole 2>&1)
check "a second run skips the complete runs" "echo '$out' | grep -q '0 runs done, 12 already complete'"

# progress: on a terminal (script gives the driver one) a line with done/total, failures, elapsed and ETA
if command -v script > /dev/null 2>&1; then
    script -qec "\"$exe\" run tiny --specs \"$specs\" --results tty -j 2" /dev/null | tr '\r' '\n' > tty.txt
    check "on a terminal mfd run shows runs done of total, failures, elapsed time and ETA" \
        "grep -q '^12/12 runs, 0 failed, elapsed [0-9]* s, ETA [0-9]* s' tty.txt"
fi
mfd run tiny --results notty > notty.txt 2>&1
check "... and stays quiet otherwise (one summary line)" "[ \$(wc -l < notty.txt) -eq 1 ] && ! grep -q ETA notty.txt"

# a run alone gives the same bits as in the sweep (its plan line, another out)
line=$(sed -n 4p plan1.txt)
id=$(echo "$line" | cut -d' ' -f2)
args=$(echo "$line" | cut -d' ' -f4- | sed 's| out=[^ ]*||')
"$(dirname "$exe")/mfd-deep" $args out=alone > /dev/null 2>&1
drop_time() { grep -v '^#' "$1" | awk -F, -v OFS=, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i != "time_s" && $i != "wall_s" && $i != "algo_s" && $i != "s_per_iter" && $i !~ /^time_to_/) keep[i] = 1 } { s = ""; for (i = 1; i <= NF; i++) if (keep[i]) s = s (s == "" ? "" : ",") $i; print s }'; }
drop_time alone/trace.csv > a.txt
drop_time "whole/tiny/runs/$id/trace.csv" > b.txt
check "a run alone reproduces the sweep's trace bit for bit" "cmp -s a.txt b.txt && [ \$(wc -l < a.txt) -gt 5 ]"
drop_time alone/summary.csv > a.txt
drop_time "whole/tiny/runs/$id/summary.csv" > b.txt
check "... and its summary" "cmp -s a.txt b.txt"

# method keys do not change the instance: runs differing only in eta share their seed
check "runs that differ only in a method key share the seed" \
    "[ \$(awk -F, 'NR > 1 { print \$5 \",\" \$3 \",\" \$4 }' whole/tiny/index.csv | sort -u | wc -l) -eq 4 ]"
check "different repetitions and fields have different seeds" \
    "[ \$(awk -F, 'NR > 1 { print \$4 }' whole/tiny/index.csv | sort -u | wc -l) -eq 4 ]"

# keys that only watch or budget a run do not change its instance
printf '[experiment]\nprogram = mfd-deep\n[sweep]\niters = 10, 20\nlog_every = 1, 2\nd = 3, 4\n' > observe.ini
"$exe" plan observe.ini > observe.txt
check "runs that differ only in iters or logging share their seed; a different d does not" \
    "[ \$(grep -c 'd=3 seed=' observe.txt) -eq 4 ] && [ \$(sed 's/.* seed=\\([0-9]*\\).*/\\1/' observe.txt | sort -u | wc -l) -eq 2 ]"

# the observing keys are the program's own (flagged in its parameter table,
# `--observing-keys`), not a list kept by the driver: a stand-in program that
# calls only 'watch' observing shares seeds across 'watch' and not across 'size'
mkdir -p fakebin
printf '#!/bin/sh\ncase "$1" in --keys) printf "size\\nwatch\\n" ;; --observing-keys) echo watch ;; *) exit 1 ;; esac\n' \
    > fakebin/mfd-probe
chmod +x fakebin/mfd-probe
printf '[experiment]\nprogram = mfd-probe\n[sweep]\nsize = 1, 2\nwatch = 1, 2\n' > probe.ini
PATH="$PWD/fakebin:$PATH" "$exe" plan probe.ini > probe.txt 2>&1
check "the program's observing keys stay out of the seed, the others enter it" \
    "[ \$(sed 's/.* seed=\\([0-9]*\\).*/\\1/' probe.txt | sort -u | wc -l) -eq 2 ] && [ \$(grep -c 'size=1 watch=[12] seed=' probe.txt) -eq 2 ]"
printf '#!/bin/sh\ncase "$1" in --keys) printf "size\\nwatch\\n" ;; *) exit 1 ;; esac\n' > fakebin/mfd-probe
PATH="$PWD/fakebin:$PATH" "$exe" plan probe.ini > probe.txt 2>&1
code=$?
check "a program that cannot list its observing keys is refused (exit 2)" \
    "[ $code -eq 2 ] && grep -q \"program 'mfd-probe' cannot be run\" probe.txt"

# operator keys (`--operator-keys`): the operator seed hashes them alone, so
# runs that differ in another instance key share it (and not their seed)
printf '#!/bin/sh\ncase "$1" in --keys) printf "size\\nkappa\\n" ;; --observing-keys) echo iters ;; --operator-keys) echo size ;; *) exit 1 ;; esac\n' \
    > fakebin/mfd-opprobe
chmod +x fakebin/mfd-opprobe
printf '[experiment]\nprogram = mfd-opprobe\n[sweep]\nsize = 1, 2\nkappa = 1, 10\n' > opprobe.ini
PATH="$PWD/fakebin:$PATH" "$exe" plan opprobe.ini > opprobe.txt 2>&1
check "runs that differ in a non-operator key share the operator seed, not the seed; another size does not" \
    "[ \$(sed -n 's/.* op_seed=\\([0-9]*\\).*/\\1/p' opprobe.txt | sort -u | wc -l) -eq 2 ] && [ \$(sed 's/.* seed=\\([0-9]*\\) op_seed.*/\\1/' opprobe.txt | sort -u | wc -l) -eq 4 ]"
check "a program without operator keys gets no op_seed" "! grep -q op_seed probe.txt"

# the threads a child may use for its operator passes (MFD_THREADS_AVAILABLE): 1, except the last child of a
# lone experiment, which gets the job slots left idle (recorded by a wrapper; skipped under another wrapper)
if [ -z "${MFD_WRAP:-}" ]; then
    printf '#!/bin/sh\necho "$MFD_THREADS_AVAILABLE" >> "%s/threads.txt"\nexec "$@"\n' "$PWD" > wrap.sh
    chmod +x wrap.sh
    : > threads.txt
    MFD_WRAP="$PWD/wrap.sh" mfd run tiny --results th1 -j 2 --batch 12 > /dev/null 2>&1
    one=$(cat threads.txt)
    : > threads.txt
    MFD_WRAP="$PWD/wrap.sh" mfd run tiny --results th2 -j 2 --batch 3 > /dev/null 2>&1
    four=$(tr '\n' ' ' < threads.txt)
    check "one batch with -j 2: its child may use 2 threads" "[ \"$one\" = 2 ]"
    # in start order; the last child gets 2 only if the others had all ended when it started (two ending
    # before the driver looks is rare but happens on a loaded machine)
    check "four batches with -j 2: the first three children 1 thread, the last 1 (or 2 when it ran alone)" \
        "echo '$four' | grep -Eq '^1 1 1 [12] \$'"
fi

# kill part-way and resume: the same index.csv as an uninterrupted run
# (skipped under a wrapper such as valgrind, where the slow sweep takes hours)
if [ -z "${MFD_WRAP:-}" ]; then
    mfd run slowish --results ref > /dev/null 2>&1
    mfd collect slowish --results ref > /dev/null
    setsid "$exe" run slowish --specs "$specs" --results killed > /dev/null 2>&1 &
    pid=$!
    n=0
    while [ "$(ls killed/slowish/runs/*/summary.csv 2> /dev/null | wc -l)" -lt 2 ] && [ $n -lt 600 ]; do sleep 0.05; n=$((n + 1)); done
    kill -KILL -"$pid" 2> /dev/null
    wait "$pid" 2> /dev/null
    partial=$(ls killed/slowish/runs/*/summary.csv 2> /dev/null | wc -l)
    check "the killed sweep stopped part-way ($partial of 8 complete)" "[ $partial -ge 2 ] && [ $partial -lt 8 ]"
    complete_dirs_whole() { # every run folder with summary.csv has its other files final (no .part)
        for d in killed/slowish/runs/*/; do
            [ -f "$d/summary.csv" ] || continue
            [ -f "$d/run.ini" ] && [ -f "$d/trace.csv" ] && ! ls "$d"/*.part > /dev/null 2>&1 || return 1
        done
    }
    check "after the kill only finished runs look complete (summary.csv written last)" complete_dirs_whole
    out=$(mfd run slowish --results killed 2>&1)
    check "the resumed sweep redoes only what was not complete" "echo '$out' | grep -q \"runs done, $partial already complete\""
    mfd collect slowish --results killed > /dev/null
    check "a killed and resumed sweep gives the index.csv of an uninterrupted one" \
        "cmp -s ref/slowish/index.csv killed/slowish/index.csv"
    check "no lock files remain" "! ls killed/slowish/runs/*.lock > /dev/null 2>&1"
else
    echo "SKIP the kill-and-resume checks under MFD_WRAP"
fi

# a runner killed between its run's summary.csv and the unlock leaves a lock on
# a complete run: the next mfd run removes it when its process is gone, and
# leaves a live runner's
cp -r whole stale
sh -c 'exit 0' & gone=$!
wait $gone
echo "$gone" > "stale/tiny/runs/$first.lock"
echo "$$" > "stale/tiny/runs/$second.lock"
mfd run tiny --results stale > /dev/null 2>&1
check "a complete run's lock whose process is gone is removed; a live runner's stays" \
    "[ \$(ls stale/tiny/runs/*.lock | wc -l) -eq 1 ] && [ -f stale/tiny/runs/$second.lock ]"

# batches: several runs per process through the program's --runs
mfd run tiny -j 2 --batch 5 --results batched > batched.txt 2>&1
mfd collect tiny --results batched > /dev/null
check "--batch 5 completes the 12 runs in batches (three runs files)" \
    "[ \$(ls batched/tiny/runs/*/summary.csv | wc -l) -eq 12 ] && [ \$(ls batched/tiny/logs/batch-*.runs | wc -l) -eq 3 ]"
check "... and gives the index.csv of one run per process" "cmp -s whole/tiny/index.csv batched/tiny/index.csv"
check "a runs file holds one run per line, its arguments separated by TABs" \
    "[ \$(cat batched/tiny/logs/batch-*.runs | wc -l) -eq 12 ] && grep -q \"$(printf '\t')seed=[0-9]*$(printf '\t')out=\" batched/tiny/logs/batch-*.runs"
check "--batch 1 runs one process per run (no runs file)" "! ls whole/tiny/logs/batch-* > /dev/null 2>&1"
check "--batch 0 is refused" "mfd run tiny --batch 0 --results b0 > /dev/null 2>&1; [ \$? -eq 2 ]"
check "--batch x is refused with the value named" \
    "mfd run tiny --batch x --results b0 2>&1 | grep -q \"^mfd: error: --batch: 'x' is not a number of runs\""
# mfd-deep's runs of one shape land in one batch (lock-step ensembles): the
# plan alternates d = 2 and d = 3, each runs file holds one of them
printf '[experiment]\nprogram = mfd-deep\nrepetitions = 2\n[fixed]\niters = 5\n[sweep]\neta = 0.01, 0.02, 0.03\nd = 2, 3\n' > shapes.ini
"$exe" run shapes.ini --results shapeb --batch 6 -j 1 > /dev/null 2>&1
one_d_per_file() {
    for f in shapeb/shapes/logs/batch-*.runs; do
        [ "$(tr '\t' '\n' < "$f" | grep '^d=' | sort -u | wc -l)" -eq 1 ] || return 1
    done
}
check "--batch: mfd-deep's runs ordered by shape, one d per runs file (plan order alternates d)" \
    "[ \$(ls shapeb/shapes/runs/*/summary.csv | wc -l) -eq 12 ] && [ \$(ls shapeb/shapes/logs/batch-*.runs | wc -l) -eq 2 ] && one_d_per_file"
"$exe" run shapes.ini --results shape1 --batch 1 -j 1 > /dev/null 2>&1
"$exe" collect shapes.ini --results shapeb > /dev/null 2>&1
"$exe" collect shapes.ini --results shape1 > /dev/null 2>&1
check "... and the same index.csv as one run per process" "cmp -s shapeb/shapes/index.csv shape1/shapes/index.csv"
# runs that share an operator land in one batch and step together: a sensing
# sweep of 3 kappa x 2 steps x 2 repetitions is two operators of 6 runs
printf '[experiment]\nprogram = mfd-sense\nrepetitions = 2\nseed = 4\nmethod_keys = eta\n[fixed]\nmodel = asym\nn = 10\nr = 2\nk = 3\niters = 150\n[sweep]\nkappa = 1, 2, 4\neta = 0.1, 0.2\n' > sharedop.ini
"$exe" run sharedop.ini --results shb -j 2 > /dev/null 2>&1
"$exe" run sharedop.ini --results sh1 --batch 1 > /dev/null 2>&1
"$exe" collect sharedop.ini --results shb > /dev/null 2>&1
"$exe" collect sharedop.ini --results sh1 > /dev/null 2>&1
one_op_per_batch() {
    [ "$(ls shb/sharedop/logs/batch-*.runs | wc -l)" -eq 2 ] || return 1
    for f in shb/sharedop/logs/batch-*.runs; do
        [ "$(grep -o 'op_seed=[0-9]*' "$f" | sort -u | wc -l)" -eq 1 ] && [ "$(wc -l < "$f")" -eq 6 ] || return 1
    done
    [ "$(grep -l '^op_group_runs = 6$' shb/sharedop/runs/*/run.ini | wc -l)" -eq 12 ]
}
check "by default each operator's 6 runs go in one batch and share it (op_group_runs = 6)" one_op_per_batch
without_time shb/sharedop/index.csv > shb.rows
without_time sh1/sharedop/index.csv > sh1.rows
check "... and give --batch 1's index.csv (time columns aside)" "[ -s shb.rows ] && cmp -s shb.rows sh1.rows"

# a run that fails inside a batch fails alone: its batch-mates complete
printf '[experiment]\nprogram = mfd-deep\nrepetitions = 2\n[fixed]\niters = 20\n[sweep]\nd = 2, -1, 3\n' > badrun.ini
"$exe" run badrun.ini --results badb --batch 6 -j 1 > badrun.txt 2>&1
code=$?
check "a batch with a bad run: exit 1, the other runs complete" \
    "[ $code -eq 1 ] && [ \$(ls badb/badrun/runs/*/summary.csv | wc -l) -eq 4 ] && grep -q '4 runs done, .* 2 failed' badrun.txt"
check "... the failed runs are named with their batch's log" \
    "[ \$(grep -c 'failed; see .*logs/batch-.*\\.log' badrun.txt) -eq 2 ] && grep -q \"key 'd'\" badb/badrun/logs/batch-*.log"
if [ -z "${MFD_WRAP:-}" ]; then
    setsid "$exe" run slowish --specs "$specs" --results killedb --batch 3 -j 2 > /dev/null 2>&1 &
    pid=$!
    n=0
    while [ "$(ls killedb/slowish/runs/*/summary.csv 2> /dev/null | wc -l)" -lt 1 ] && [ $n -lt 600 ]; do sleep 0.05; n=$((n + 1)); done
    kill -KILL -"$pid" 2> /dev/null
    wait "$pid" 2> /dev/null
    partial=$(ls killedb/slowish/runs/*/summary.csv 2> /dev/null | wc -l)
    check "a killed batched sweep stopped part-way ($partial of 8 complete)" "[ $partial -ge 1 ] && [ $partial -lt 8 ]"
    out=$(mfd run slowish --results killedb --batch 3 2>&1)
    check "... the next mfd run does only the unfinished runs" "echo '$out' | grep -q \"runs done, $partial already complete\""
    mfd collect slowish --results killedb > /dev/null
    check "... and the index.csv equals an uninterrupted one-run-per-process sweep" \
        "cmp -s ref/slowish/index.csv killedb/slowish/index.csv"
fi

# claims: pass, fail (exit 1), known deviation (exit 0)
mfd check tiny --results whole > check.txt
check "mfd check prints the claim and confirms it" "[ \$? -eq 0 ] && grep -q 'decreases .* CONFIRMED' check.txt"
check "mfd check writes claims.csv and claims.tex" "[ -f whole/tiny/claims.csv ] && grep -q 'longtable' whole/tiny/claims.tex"
sed 's/^predicted = 1$/predicted = 2/' "$specs/tiny.ini" > failing.ini
mfd run failing.ini --results whole > /dev/null 2>&1
"$exe" check failing.ini --results whole > check.txt
check "a contradicted claim makes mfd check exit 1" "[ \$? -eq 1 ] && grep -q 'decreases .* CONTRADICTED' check.txt"
sed 's/^predicted = 1$/predicted = 2\ndeviation = a test of the deviation mark\nexpected = 1\nexpected_bound = >=\nexpected_tolerance = 0.3/' "$specs/tiny.ini" > deviating.ini
mfd run deviating.ini --results whole > /dev/null 2>&1
"$exe" check deviating.ini --results whole > check.txt
check "an expected deviation prints what was measured instead and exits 0" \
    "[ \$? -eq 0 ] && grep -q 'decreases .* DEVIATION\$' check.txt && grep -q '12/12' check.txt && grep -q 'a test of the deviation mark' check.txt && grep -q 'measured instead: >= 1; tol. 0.3 CONFIRMED' check.txt"
sed 's/^predicted = 1$/predicted = 0.5\ndeviation = gone\nexpected = 1\nexpected_bound = >=\nexpected_tolerance = 0.3/' "$specs/tiny.ini" > gone.ini
mfd run gone.ini --results whole > /dev/null 2>&1
"$exe" check gone.ini --results whole > check.txt
check "a deviation that no longer shows is DEVIATION GONE and exits 1" \
    "[ \$? -eq 1 ] && grep -q 'decreases .* DEVIATION GONE' check.txt"
{ cat "$specs/tiny.ini"; printf '\n[claim flat]\nid = D5\nkind = law\nsource = driver test\nstatement = one depth only\nmeasure = loss\naggregate = slope\nagainst = depth\npool = test\npredicted = 0\nbound = <=\n'; } > onepoint.ini
mfd run onepoint.ini --results whole > /dev/null 2>&1
"$exe" check onepoint.ini --results whole > check.txt
check "a slope against a single value is INCONCLUSIVE (exit 1 at the default size) and says it needs three" \
    "[ \$? -eq 1 ] && grep -q 'flat .* INCONCLUSIVE' check.txt && grep -q 'three or more distinct values of depth' check.txt"
"$exe" check onepoint.ini --results whole --scale quick > check.txt 2>&1
check "... while at the quick size an undecided claim does not fail mfd check" \
    "mfd run onepoint.ini --results whole --scale quick > /dev/null 2>&1; \"$exe\" check onepoint.ini --results whole --scale quick > check.txt 2>&1; [ \$? -eq 0 ] && grep -q 'flat .* INCONCLUSIVE' check.txt"
printf '\n[claim pooled]\nid = D5\nkind = law\nsource = driver test\nstatement = pooled\nmeasure = loss\naggregate = slope\nagainst = eta\npredicted = 0\nbound = <=\n' | cat "$specs/tiny.ini" - > pooled.ini
"$exe" plan pooled.ini > err.txt 2>&1
check "a slope that pools unlike runs is refused when planned, naming file, line and key" \
    "[ \$? -eq 2 ] && grep -q \"pooled.ini:[0-9]*: \\[claim pooled\\] pools runs that differ in 'field' (real and complex at the same eta): add group_by = field\" err.txt"
sed 's/^against = depth$/against = depth\nscales = paper, quick/' onepoint.ini > otherscale.ini
mfd run otherscale.ini --results whole > /dev/null 2>&1
"$exe" check otherscale.ini --results whole > check.txt
check "a claim for other scales is left out of the default scale's check" \
    "[ \$? -eq 0 ] && grep -q 'decreases .* CONFIRMED' check.txt && ! grep -q 'flat' check.txt"

# malformed specs: exit 2, the file and the line
bad() { # name, fragment, spec text
    printf '%s\n' "$3" > bad.ini
    "$exe" ${4:-plan} bad.ini --results whole > err.txt 2>&1
    code=$?
    if [ $code -eq 2 ] && grep -qF -- "$2" err.txt; then pass "$1"; else fail "$1 (exit $code: $(cat err.txt))"; fi
}
head='[experiment]
program = mfd-deep'
bad "an unknown section names file and line" "bad.ini:3: unknown section [sweeps]" "$head
[sweeps]
d = 1"
bad "an unknown key of [experiment] names file and line" "bad.ini:3: unknown key 'programme' in [experiment]" "$head
programme = x"
bad "a bad range names file, line and the expected form" "bad.ini:4: key 'eta': bad range 'lin(0, 1)'" "$head
[sweep]
eta = lin(0, 1)"
bad "a log range through 0 is refused" "bad.ini:4: key 'eps': bad range 'log(0, 1, 3)'" "$head
[sweep]
eps = log(0, 1, 3)"
bad "a key the program does not have names file and line" "bad.ini:4: key 'etaa' is not a key of mfd-deep" "$head
[fixed]
etaa = 1"
bad "a key both fixed and swept is refused" "key 'eta' is both fixed (line 4) and swept" "$head
[fixed]
eta = 1
[sweep]
eta = 1, 2"
bad "a zipped tuple with a missing value names file and line" "bad.ini:4: key 'field, d': the tuple (complex) does not have 2" "$head
[sweep]
field, d = (real, 2), (complex)"
bad "a zipped axis needs tuples" "bad.ini:4: key 'field, d': 'real, 2' is not a list of tuples" "$head
[sweep]
field, d = real, 2"
bad "a zipped axis with no key names is refused (found by fuzzing)" "bad.ini:4: key ',': no key names before '='" "$head
[sweep]
, = (1, 2)"
bad "a scale section cannot split a zipped group" "bad.ini:6: key 'd' is swept together with other keys on line 4" "$head
[sweep]
field, d = (real, 2), (complex, 3)
[sweep.paper]
d = 4, 5" "plan --scale paper"
bad "a line longer than the parser's buffer is refused" "bad.ini:3: line longer than" "$head
title = $(printf '%0300d' 0)"
bad "seed in [fixed] is refused" "bad.ini:4: key 'seed' is set by the driver" "$head
[fixed]
seed = 3"
bad "a spec without a program is refused" "bad.ini:1: [experiment] has no program" "[experiment]
title = x"
bad "an unknown claim key names file and line" "bad.ini:4: unknown key 'bounds' in [claim x]" "$head
[claim x]
bounds = <="
bad "a malformed line names its line" "bad.ini:3: malformed line" "$head
this is not ini"
bad "a claim on a metric that does not exist names file and line" \
    "bad.ini:7: [claim x] key 'measure': 'no_such_metric' is neither a run parameter nor a summary column" "$head
[fixed]
iters = 10
[claim x]
kind = law
measure = no_such_metric > 0
predicted = 0
bound = >=" check
bad "a claim with a syntax error names file and line" "bad.ini:7: [claim x] key 'measure': unexpected ')'" "$head
[fixed]
iters = 10
[claim x]
kind = law
measure = loss > )
predicted = 0
bound = >=" check
bad "a claim's scales must be known ones" "bad.ini:5: [claim x] scales: 'huge' is not one of default, paper, quick" "$head
[claim x]
measure = loss
scales = default, huge"
bad "a bad scales list after a claim for another scale is refused cleanly" \
    "bad.ini:8: [claim y] scales: 'huge' is not one of default, paper, quick" "$head
[claim x]
measure = loss
scales = paper
[claim y]
measure = loss
scales = huge"
bad "an unknown aggregate is refused" "aggregate 'average' is not one of" "$head
[claim x]
kind = law
measure = loss
aggregate = average
predicted = 0
bound = >=" check
bad "a claim written for the old rules says what to add (kind)" "[claim x] has no 'kind': add kind = law" "$head
[claim x]
measure = loss
predicted = 0
bound = >=" plan
bad "the old bound 'contains' says what to write instead" "bound 'contains' is gone" "$head
[claim x]
kind = law
measure = loss > 0
aggregate = fraction
predicted = 0.5
bound = contains" plan
bad "an unknown missing rule names the accepted ones" "missing 'ignore' is not one of worst, exclude" "$head
[claim x]
kind = law
measure = loss
predicted = 0
bound = >=
missing = ignore" plan
"$exe" run nonexistent --specs "$specs" > err.txt 2>&1
check "a missing spec is exit 2 naming it" "[ \$? -eq 2 ] && grep -q \"cannot open spec '$specs/nonexistent.ini'\" err.txt"
"$exe" run tiny --specs "$specs" --shard 3/2 > err.txt 2>&1
check "a bad --shard is exit 2" "[ \$? -eq 2 ] && grep -q 'not K/N' err.txt"

# figures: the data behind them, the files, the errors
if command -v gnuplot > /dev/null 2>&1; then
    "$exe" plot tiny --specs "$specs" --results whole --plots "$specs/plots" > plot.txt 2>&1
    check "mfd plot draws every [plot] section" "[ \$? -eq 0 ] && grep -q 'tiny: 6 figures' plot.txt"
    f=whole/tiny/figures
    check "each figure is a PDF and a PNG" \
        "for n in loss decreased final each runtimes profile; do [ -s $f/\$n.pdf ] && [ -s $f/\$n.png ] || exit 1; done"
    check "PDFs and PNGs are what they say" "head -c 4 $f/loss.pdf | grep -q '%PDF' && head -c 8 $f/loss.png | grep -q PNG"
    check "one series per group_by value, labelled" \
        "[ \$(wc -l < $f/data/loss.series) -eq 2 ] && grep -q '1	field=real' $f/data/loss.series"
    check "trace data: x, median and quartiles per y, n, theory" \
        "head -n 1 $f/data/loss.1.csv | grep -q '^iter,loss_med,loss_q1,loss_q3,loss_ori_med,loss_ori_q1,loss_ori_q3,n,theory$'"
    # the median at iteration 0 over the six real runs (two instances, eta is a method key), from the runs themselves
    fc=$(col whole/tiny/index.csv field)
    ec=$(col whole/tiny/index.csv eta)
    med0=$(for id in $(awk -F, -v f=$fc 'NR > 1 && $f == "real" { print $1 }' whole/tiny/index.csv); do
        grep -v '^#' whole/tiny/runs/$id/trace.csv | awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "loss") c = i } NR == 2 { print $c }'
    done | sort -g | awk '{ v[NR] = $1 } END { h = 0.5 * (NR - 1); lo = int(h) + 1; printf "%.17g\n", v[lo] + (h + 1 - lo) * (v[lo + (lo < NR)] - v[lo]) }')
    got0=$(awk -F, 'NR == 2 { print $2 }' $f/data/loss.1.csv)
    check "trace medians are the runs' medians (iteration 0: $got0 against $med0)" \
        "awk -v a=$got0 -v b=$med0 'BEGIN { exit !(a == b || (a - b) ^ 2 <= 1e-30 * b * b) }'"
    check "theory is evaluated at each x (1/iter at iter = 10 is 0.1)" \
        "awk -F, '\$1 == 10 { found = 1; if (\$NF != 0.1) exit 1 } END { exit !found }' $f/data/loss.1.csv"
    k=$(awk -F, -v f=$fc -v e=$ec 'NR > 1 && $f == "real" && $e == "0.01"' whole/tiny/index.csv | wc -l)
    check "fraction data: x, k, n, p, lo, hi with n the runs at that x ($k)" \
        "head -n 1 $f/data/decreased.1.csv | grep -q '^x,k,n,p,lo,hi$' && awk -F, -v n=$k 'NR == 2 { exit !(\$1 == 0.01 && \$3 == n) }' $f/data/decreased.1.csv"
    check "summary data: two y expressions" "head -n 1 $f/data/final.1.csv | grep -q '^x,y_med,y_q1,y_q3,y2_med,y2_q1,y2_q3,n$'"
    check "runs data: one row per run that passes where" "[ \$(wc -l < $f/data/each.1.csv) -eq 7 ]"
    check "ecdf data: x, k, n, p with n the runs of the series (4: 2 fields x 2 repetitions, one target)" \
        "for i in 1 2 3; do head -n 1 $f/data/runtimes.\$i.csv | grep -q '^x,k,n,p\$' && awk -F, 'NR > 1 && \$3 != 4 { exit 1 }' $f/data/runtimes.\$i.csv || exit 1; done"
    # each curve's final height: the runs that reached the threshold, counted in index.csv
    tc=$(col whole/tiny/index.csv 'iter_to_7e-01')
    want=$(for e in 0.01 0.02 0.03; do
        awk -F, -v c=$ec -v e=$e -v a=$tc 'NR > 1 && $c == e { n += ($a != "nan") } END { printf "%d ", n }' whole/tiny/index.csv
    done)
    got=$(for i in 1 2 3; do printf "%s " "$(tail -n 1 $f/data/runtimes.$i.csv | cut -d, -f2)"; done)
    check "ecdf: each curve ends at the runs that reached the target (index.csv: $want; figure: $got)" \
        "[ '$want' = '$got' ] && [ '$want' != '0 0 0 ' ] && [ '$want' != '4 4 4 ' ]"
    check "data_profile on times joined from timing.csv: |P| = 4 instances for every series" \
        "for i in 1 2 3; do awk -F, 'NR > 1 && \$3 != 4 { exit 1 }' $f/data/profile.\$i.csv || exit 1; done"
    check "data_profile with normalize = best: the budgets are ratios to the best series, from 1" \
        "awk -F, 'NR == 2 { exit !(\$1 == 1) }' $f/data/profile.3.csv"
    check "figures.tex includes each PDF with its caption, LaTeX-escaped" \
        "grep -q 'includegraphics\[width=0.8\\\\linewidth,height=0.7\\\\textheight,keepaspectratio\]{tiny/figures/loss.pdf}' $f/figures.tex && grep -q '50\\\\% of a\\\\_b \\\\& c' $f/figures.tex"
    sed 's/^script = points$/script = broken/' "$specs/tiny.ini" > broken.ini
    rm -f whole/broken/figures/decreased.pdf
    "$exe" run broken.ini --results whole > /dev/null 2>&1
    "$exe" plot broken.ini --results whole --plots "$specs/plots" > err.txt 2>&1
    check "a failing script is exit 1 naming its log, and leaves no figure behind" \
        "[ \$? -eq 1 ] && grep -q 'gnuplot failed on .*broken.gp; see .*decreased.log' err.txt && [ ! -f whole/broken/figures/decreased.pdf ]"
else
    echo "SKIP the figure checks: gnuplot is not installed"
fi
plotbad() { # name, fragment, [plot] section body
    printf '[experiment]\nprogram = mfd-deep\n[fixed]\niters = 5\n[plot p]\n%s\n' "$3" > badplot.ini
    "$exe" run badplot.ini --results whole > /dev/null 2>&1
    "$exe" plot badplot.ini --results whole --plots "$specs/plots" > err.txt 2>&1
    code=$?
    if [ $code -eq 2 ] && grep -qF -- "$2" err.txt; then pass "$1"; else fail "$1 (exit $code: $(cat err.txt))"; fi
}
plotbad "an unknown plot kind names file and line" "badplot.ini:7: [plot p] kind 'bars' is not one of" "script = points
kind = bars"
plotbad "a trace column that does not exist names the file" "[plot p]: 'no_such_column' is not a column of" "script = points
kind = trace
y = no_such_column"
plotbad "a plot expression on a missing metric names file and line" \
    "badplot.ini:8: [plot p] key 'x': 'nope' is neither a run parameter nor a summary column" "script = points
kind = summary
x = nope
y = loss"
plotbad "a group_by that is not a column names file and line" "badplot.ini:9: [plot p] group_by 'nope' is not a column" "script = points
kind = fraction
x = iters
group_by = nope
measure = loss < 1"
plotbad "a missing script names the file it looked for" "no script $specs/plots/nowhere.gp" "script = nowhere
kind = runs
x = iters
y = loss"
bad "an unknown key of a plot names file and line" "bad.ini:4: unknown key 'colour' in [plot x]" "$head
[plot x]
colour = red"

# OpenBLAS's kernels: where OPENBLAS_CORETYPE is unset and OpenBLAS fell back to
# its generic Prescott kernels on a CPU with AVX2 and FMA (or AVX-512; the
# first 'Core:' line of OPENBLAS_VERBOSE=2 is its own choice), a program
# starts again with Haswell (SkylakeX), by hand and under mfd run alike; a
# core the user sets is kept.  On a CPU OpenBLAS knows, both keep its choice.
bin=$(dirname "$exe")
own=$(env -u OPENBLAS_CORETYPE OPENBLAS_VERBOSE=2 "$bin/mfd-deep" d=2 iters=5 out=core_hand 2>&1 >/dev/null | sed -n '1s/^Core: //p')
flags=" $(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null | cut -d: -f2) "
has() { for f in "$@"; do case "$flags" in *" $f "*) ;; *) return 1 ;; esac; done; }
want=$own
if [ "$own" = Prescott ] && has avx2 fma; then
    want=Haswell
    has avx512f avx512cd avx512bw avx512dq avx512vl && want=SkylakeX
fi
printf '[experiment]\nprogram = mfd-deep\nrepetitions = 2\n[fixed]\nd = 2\niters = 5\n' > core.ini
if [ -n "${MFD_WRAP:-}" ] || [ -z "$own" ]; then
    # under valgrind the programs do not restart (its CPU is not the
    # machine's); an OpenBLAS built for one CPU prints no 'Core:' line
    echo "SKIP the restart with OpenBLAS's core (under MFD_WRAP, or OpenBLAS names no core)"
else
    env -u OPENBLAS_CORETYPE "$bin/mfd-sense" model=asym n=6 k=2 r=2 iters=5 out=core_sense > /dev/null 2>&1
    env -u OPENBLAS_CORETYPE "$exe" run core.ini --results core_auto -j 1 > /dev/null 2>&1
    check "OPENBLAS_CORETYPE unset, OpenBLAS chose $own: mfd-deep and mfd-sense by hand and mfd run's runs use $want" \
        "grep -q '^blas_core = $want\$' core_hand/run.ini && grep -q '^blas_core = $want\$' core_sense/run.ini && [ \$(grep -l '^blas_core = $want\$' core_auto/core/runs/*/run.ini | wc -l) -eq 2 ]"
fi
OPENBLAS_CORETYPE=Prescott "$bin/mfd-deep" d=2 iters=5 out=core_set_hand > /dev/null 2>&1
OPENBLAS_CORETYPE=Prescott "$exe" run core.ini --results core_set -j 1 > /dev/null 2>&1
check "a core the user sets is the core of a run by hand and of mfd run's runs" \
    "grep -q '^blas_core = Prescott\$' core_set_hand/run.ini && [ \$(grep -l '^blas_core = Prescott\$' core_set/core/runs/*/run.ini | wc -l) -eq 2 ]"

finish
