#!/bin/sh
# A real single-node Slurm cluster on localhost (munged, slurmctld, slurmd,
# started and stopped here by process id; no systemd, no cgroups): submit a
# small sweep as a job array with experiments/scale-out/mfd-array.sbatch,
# collect it, and compare index.csv with the same sweep run locally; then the
# same with the GNU parallel one-liner (experiments/scale-out/parallel.sh).
# Exit 0 pass, 1 fail, 77 skip (Slurm, munge or parallel not installed).
# usage: slurm_array.sh <mfd> <specs dir> <scale-out dir> <workdir>
set -u
exe=$1
specs=$2
scaleout=$3
work=$4
for b in munged slurmctld slurmd sbatch squeue scontrol scancel sinfo timeout parallel; do
    command -v $b > /dev/null 2>&1 || PATH=$PATH:/usr/sbin
    command -v $b > /dev/null 2>&1 || { echo "SKIP: $b not installed (make test-all installs it as root)"; exit 77; }
done
rm -rf "$work" && mkdir -p "$work" || exit 1
work=$(cd "$work" && pwd)
D=$(mktemp -d) && chmod 755 "$D" # munged wants o+x on its socket folder
PORT=${SLURMTEST_PORT:-$((20000 + 2 * ($$ % 10000)))}
U=$(id -un)
PIDS=""
J=""
cleanup() {
    if [ -n "$J" ]; then
        timeout 5 scancel "$J" 2> /dev/null
        for i in $(seq 100); do [ -z "$(timeout 5 squeue -h 2> /dev/null)" ] && break; sleep 0.1; done
    fi
    for p in $PIDS; do kill "$p" 2> /dev/null; done # slurmd first, munged last
    for i in $(seq 100); do
        alive=""
        for p in $PIDS; do kill -0 "$p" 2> /dev/null && alive=1; done
        [ -z "$alive" ] && break
        sleep 0.1
    done
    for p in $PIDS; do kill -KILL "$p" 2> /dev/null; done
    wait
    rm -rf "$D"
}
fail() {
    echo "FAIL: $*"
    tail -n 15 "$D"/*.log "$D"/out/*.out 2> /dev/null
    exit 1
}
trap cleanup EXIT
trap 'exit 1' INT TERM
mkdir -p "$D/state" "$D/spool" "$D/out"
mungekey -c -k "$D/munge.key" 2> /dev/null || dd if=/dev/urandom of="$D/munge.key" bs=1k count=1 2> /dev/null
chmod 600 "$D/munge.key"
sed "s|@D@|$D|g; s|@U@|$U|g; s|@P1@|$PORT|; s|@P2@|$((PORT + 1))|" > "$D/slurm.conf" << 'CONF'
ClusterName=local
SlurmctldHost=localhost(127.0.0.1)
SlurmUser=@U@
SlurmdUser=@U@
SlurmctldPort=@P1@
SlurmdPort=@P2@
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=@D@/munge.sock
StateSaveLocation=@D@/state
SlurmdSpoolDir=@D@/spool
SlurmctldPidFile=@D@/slurmctld.pid
SlurmdPidFile=@D@/slurmd.pid
SlurmctldLogFile=@D@/slurmctld.log
SlurmdLogFile=@D@/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
MailProg=/bin/true
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerParameters=batch_sched_delay=0
SlurmdParameters=config_overrides
ReturnToService=2
NodeName=localhost NodeAddr=127.0.0.1 CPUs=4 RealMemory=100 State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$D/slurm.conf"
munged -F --key-file="$D/munge.key" --socket="$D/munge.sock" --pid-file="$D/munged.pid" \
    --log-file="$D/munged.log" --seed-file="$D/munged.seed" > "$D/munged.out" 2>&1 &
PIDS="$!"
for i in $(seq 50); do [ -S "$D/munge.sock" ] && break; sleep 0.1; done
[ -S "$D/munge.sock" ] || fail "munged did not start"
slurmctld -D -f "$SLURM_CONF" > "$D/slurmctld.out" 2>&1 &
C=$!
PIDS="$C $PIDS"
for i in $(seq 100); do
    timeout 3 scontrol ping 2> /dev/null | grep -q UP && break
    kill -0 "$C" 2> /dev/null || fail "slurmctld died"
    sleep 0.1
done
slurmd -D -N localhost -f "$SLURM_CONF" > "$D/slurmd.out" 2>&1 &
S=$!
PIDS="$S $PIDS"
for i in $(seq 100); do
    timeout 5 sinfo -h -o %t 2> /dev/null | grep -q idle && break
    kill -0 "$S" 2> /dev/null || fail "slurmd died"
    sleep 0.1
done
timeout 5 sinfo -h -o %t 2> /dev/null | grep -q idle || fail "node not idle"

# the sweep locally, whole
"$exe" run tiny --specs "$specs" --results "$work/local" > /dev/null 2>&1 || fail "local run"
"$exe" collect tiny --specs "$specs" --results "$work/local" > /dev/null || fail "local collect"
total=$("$exe" plan tiny --specs "$specs" --count)

# the same sweep as a 4-task Slurm job array
cd "$D/out" || fail "no output folder"
J=$(MFD="$exe" MFD_SPECS="$specs" MFD_RESULTS="$work/slurm" \
    sbatch --parsable --array=1-4 "$scaleout/mfd-array.sbatch" tiny) || fail "sbatch"
for i in $(seq 1200); do [ -z "$(timeout 5 squeue -h -j "$J" 2> /dev/null)" ] && break; sleep 0.1; done
done_tasks=$(timeout 5 scontrol -o show job "$J" | grep -c 'JobState=COMPLETED')
[ "$done_tasks" = 4 ] || fail "$done_tasks of 4 array tasks COMPLETED"
J=""
n=$(ls "$work"/slurm/tiny/runs/*/summary.csv 2> /dev/null | wc -l)
[ "$n" = "$total" ] || fail "the array tasks completed $n of $total runs"
echo "PASS a 4-task Slurm job array ran all $total runs of the sweep"
"$exe" collect tiny --specs "$specs" --results "$work/slurm" > /dev/null || fail "collect after Slurm"
cmp -s "$work/local/tiny/index.csv" "$work/slurm/tiny/index.csv" || fail "index.csv differs from the local run"
echo "PASS the Slurm sweep, collected, gives the local run's index.csv byte for byte"

# and with the GNU parallel one-liner
MFD="$exe" MFD_SPECS="$specs" MFD_RESULTS="$work/parallel" sh "$scaleout/parallel.sh" tiny 2 > /dev/null ||
    fail "parallel.sh"
cmp -s "$work/local/tiny/index.csv" "$work/parallel/tiny/index.csv" || fail "the GNU parallel index.csv differs"
echo "PASS the GNU parallel one-liner gives the local run's index.csv byte for byte"
exit 0
