#!/bin/sh
# mfd-deep from the command line: help, a tiny run and its files, and every
# error path (exit 2, a message naming the key or file, nothing complete left).
# usage: cli_deep.sh <mfd-deep> <workdir>
exe=$1
prog=mfd-deep
work=$2
. "$(dirname "$0")/testlib.sh"
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1

# --help lists every key with its type and default
help_lists_keys method depth d widths field a eta iters seed out target sigma target_diag target_rank target_file init eps \
    init_shift init_file tol div_bound plateau_window plateau_rtol log_per_decade log_every rate_lo rate_hi \
    thresholds balance_tol save_final save_inputs threads
check "--help shows defaults and ranges" "grep -q 'a real number > 0; default 0.01' help.txt"
check "--help lists the update rules by name" "grep -q 'one of gd; default gd' help.txt"

# a tiny run writes the three files with the documented header
"$exe" depth=3 d=3 eta=0.05 iters=200 seed=3 out=run1 > run1.log 2>&1
check "a tiny run exits 0" "[ $? -eq 0 ]"
check "it writes run.ini, trace.csv and summary.csv" "[ -f run1/run.ini ] && [ -f run1/trace.csv ] && [ -f run1/summary.csv ]"
check "no temporary file remains" "! ls run1/*.part > /dev/null 2>&1"
check "trace.csv starts with '# key: value' metadata" "head -n 1 run1/trace.csv | grep -q '^# program: mfd-deep$'"
header=$(grep -v '^#' run1/trace.csv | head -n 1)
check "trace header starts iter,time_s,loss_ori,loss_reg,loss" "echo '$header' | grep -q '^iter,time_s,loss_ori,loss_reg,loss,'"
check "trace rows have as many fields as the header" \
    "[ \$(grep -v '^#' run1/trace.csv | awk -F, '{print NF}' | sort -u | wc -l) -eq 1 ]"
check "trace is log-spaced: first rows are iterations 0,1,2" \
    "[ \"\$(grep -v '^#' run1/trace.csv | sed -n '2,4p' | cut -d, -f1 | tr '\n' ' ')\" = '0 1 2 ' ]"
check "trace ends at the last iteration" "[ \"\$(tail -n 1 run1/trace.csv | cut -d, -f1)\" = 200 ]"
check "summary is a header and one row" "[ \$(wc -l < run1/summary.csv) -eq 2 ]"
check "summary records the stop reason" "sed -n 2p run1/summary.csv | grep -q ',max_iter,'"
check "run.ini records resolved parameters and the run" \
    "grep -q '^eta = 0.05$' run1/run.ini && grep -q '^stop_reason = max_iter$' run1/run.ini && grep -q '^blas_core = ' run1/run.ini && grep -q '^seed = 3$' run1/run.ini"

# same seed, same bits; another seed, other bits
"$exe" depth=3 d=3 eta=0.05 iters=200 seed=3 out=run2 > /dev/null 2>&1
check "the same command gives the same trace values" \
    "[ \"\$(grep -v '^#' run1/trace.csv | cut -d, -f1,3-)\" = \"\$(grep -v '^#' run2/trace.csv | cut -d, -f1,3-)\" ]"
"$exe" depth=3 d=3 eta=0.05 iters=200 seed=4 out=run3 > /dev/null 2>&1
check "another seed gives another trajectory" \
    "[ \"\$(sed -n 10p run1/trace.csv | cut -d, -f3)\" != \"\$(sed -n 10p run3/trace.csv | cut -d, -f3)\" ]"

# stop reasons
"$exe" d=2 eta=0.05 iters=100000 tol=1e-20 out=conv > /dev/null 2>&1
check "a converging run stops as converged" "sed -n 2p conv/summary.csv | grep -q ',converged,'"
"$exe" d=2 eta=50 iters=1000 init=identity eps=3 out=div > /dev/null 2>&1
check "a huge step stops as diverged, and still completes its files" "sed -n 2p div/summary.csv | grep -q ',diverged,'"
"$exe" d=2 field=real init=balanced_gaussian target=identity a=0 eta=0.05 iters=200000 seed=3 plateau_window=2000 \
    plateau_rtol=1e-6 out=plat > /dev/null 2>&1
check "a run stuck at a saddle stops as plateau with its level" \
    "sed -n 2p plat/summary.csv | grep -q ',plateau,' && grep -q '^stop_reason = plateau$' plat/run.ini"

# save_final round trip: a run from final/W.npy with 0 iterations starts where the first ended
"$exe" depth=3 d=3 field=complex eta=0.05 iters=50 save_final=1 save_inputs=1 out=sf > /dev/null 2>&1
check "save_final writes final/W.npy; save_inputs writes W0.npy and target.npy" \
    "[ -f sf/final/W.npy ] && [ -f sf/final/W0.npy ] && [ -f sf/final/target.npy ]"
"$exe" init_file=sf/final/W.npy target_file=sf/final/target.npy iters=0 out=sf2 > /dev/null 2>&1
lf=$(value sf/summary.csv loss)
li=$(value sf2/summary.csv loss_init)
check "a run from final/W.npy starts at the loss the first run ended with ($lf = $li)" "[ '$lf' = '$li' ]"
check "depth, size and field come from init_file" \
    "grep -q '^depth = 3$' sf2/run.ini && grep -q '^field = complex$' sf2/run.ini && grep -q '^d = 3$' sf2/run.ini"

# re-running into a directory replaces the earlier run
"$exe" depth=2 d=2 iters=10 out=run1 > /dev/null 2>&1
check "a second run into the same directory replaces the first" "grep -q '^depth = 2$' run1/run.ini && [ \$(wc -l < run1/summary.csv) -eq 2 ]"

# error paths: exit 2, message names the key (or file), and no directory is created
printf 'not an npy file at all' > corrupt.npy
/usr/bin/env printf '\223NUMPY\001\000\106\000{'"'"'descr'"'"': '"'"'<f8'"'"', '"'"'fortran_order'"'"': False, '"'"'shape'"'"': (3, 3), }            \n' > short.npy
expect_error "an unknown key is refused naming it" "unknown key 'etaa'" etaa=1
expect_error "an unknown method is refused listing the rules" "key 'method': 'adam' is not one of gd" method=adam
expect_error "a bad number is refused naming key and value" "key 'eta': 'abc' is not a finite number" eta=abc
expect_error "an out-of-range value is refused with the expected range" "key 'depth': '1' is out of range; expected an integer in [2, 64]" depth=1
expect_error "a negative regularizer is refused" "key 'a': '-1' is out of range" a=-1
expect_error "an unknown choice is refused listing the choices" "key 'init': 'random' is not one of gaussian|" init=random
expect_error "a key given twice is refused" "key 'eta' is given twice" eta=1 eta=2
expect_error "an argument without = is refused" "argument 'verbose' is not of the form key=value" verbose
expect_error "a missing .npy is refused naming key and file" "key 'target_file': cannot open 'nope.npy'" target_file=nope.npy
expect_error "a corrupt .npy is refused naming key and file" "key 'init_file': 'corrupt.npy' is not an .npy file" init_file=corrupt.npy
expect_error "a truncated .npy is refused" "key 'target_file': 'short.npy' is truncated" target_file=short.npy d=3
expect_error "a target of the wrong shape is refused" "the layers need a 4 x 4 target" target_file=sf/final/target.npy d=4
expect_error "init_file conflicting with depth is refused" "disagree with init_file" init_file=sf/final/W.npy depth=4
expect_error "init_file conflicting with field is refused" "key 'field' is real but init_file" init_file=sf/final/W.npy field=real
expect_error "a complex target with field=real is refused" "is complex128 but field=real" target_file=sf/final/target.npy d=3
expect_error "target=file without target_file is refused" "needs target_file" target=file
expect_error "target_diag of the wrong length is refused" "key 'target_diag': 2 values; target=diag needs 4" target=diag target_diag=1,2
expect_error "a rank above d is refused" "key 'target_rank': 9 is out of range" target=lowrank target_rank=9
expect_error "rectangular layers with a balanced init are refused" "need init=gaussian" widths=3,4,3 init=balanced_gaussian
expect_error "rate_lo above rate_hi is refused" "is not below rate_hi" rate_lo=1 rate_hi=0.1
export MFD_SMALL_KERNELS=avx9
expect_error "an unknown MFD_SMALL_KERNELS is refused" \
    "environment variable MFD_SMALL_KERNELS: 'avx9' is not a kernel path; expected auto, avx2 or plain" iters=1
unset MFD_SMALL_KERNELS

# MFD_SMALL_KERNELS=plain runs the plain loops (recorded in run.ini) to the same numbers up to rounding
MFD_SMALL_KERNELS=plain "$exe" depth=4 d=4 eta=0.01 iters=300 seed=3 out=plain > /dev/null 2>&1
"$exe" depth=4 d=4 eta=0.01 iters=300 seed=3 out=auto > /dev/null 2>&1
check "MFD_SMALL_KERNELS=plain is recorded in run.ini" "grep -q '^small_kernels = plain$' plain/run.ini"
check "the plain small kernels give the same loss to rounding (300 steps: 1e-12 relative)" \
    "awk -v a=\"\$(value plain/summary.csv loss)\" -v b=\"\$(value auto/summary.csv loss)\" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= 1e-12 * b) }'"
"$exe" iters=1 > err.txt 2>&1
check "a missing out= is refused naming the key" "[ \$? -eq 2 ] && grep -q \"key 'out' is required\" err.txt"

# output errors: exit 1, nothing complete-looking
: > afile
"$exe" iters=1 out=afile/run > err.txt 2>&1
check "an output path through a file is exit 1 naming it" "[ \$? -eq 1 ] && grep -q 'afile' err.txt"
if [ "$(id -u)" != 0 ]; then
    mkdir -p ro && chmod 555 ro
    "$exe" iters=1 out=ro/run > err.txt 2>&1
    check "an unwritable output folder is exit 1" "[ \$? -eq 1 ] && [ ! -f ro/run/summary.csv ]"
fi

# --runs FILE: many runs in one process, each as if run alone
tab=$(printf '\t')
printf 'depth=4\td=2\titers=60\tseed=1\tout=b_r1\n\n# a comment\ndepth=3\td=3\tfield=complex\titers=40\tseed=2\tout=b_r2\n' > ok.runs
"$exe" --runs ok.runs > /dev/null 2>&1
check "--runs: exit 0, every run's folder complete" "[ \$? -eq 0 ] && [ -f b_r1/summary.csv ] && [ -f b_r2/summary.csv ]"
"$exe" depth=4 d=2 iters=60 seed=1 out=b_s1 > /dev/null 2>&1
check "a run from a runs file equals the run alone (trace but time, summary but timing)" \
    "grep -v '^# started: ' b_r1/trace.csv | cut -d, -f1,3- > a.txt && grep -v '^# started: ' b_s1/trace.csv | cut -d, -f1,3- > b.txt && cmp -s a.txt b.txt && [ \"\$(value b_r1/summary.csv loss)\" = \"\$(value b_s1/summary.csv loss)\" ]"
printf 'd=2\titers=10\tout=b_ok\nd=-3\titers=10\tout=b_bad\nd=2\titers=10\tseed=4\tout=b_ok2\n' > mixed.runs
"$exe" --runs mixed.runs > mixed.txt 2>&1
code=$?
check "--runs: a bad run exits 2 at the end, the runs after it still complete" \
    "[ $code -eq 2 ] && [ -f b_ok/summary.csv ] && [ -f b_ok2/summary.csv ] && [ ! -e b_bad ] && grep -q \"^$prog: error: .*key 'd'\" mixed.txt"
# BLAS threads with threads=0: one for layers below 160 (the monitors' small LU
# solves and the products there lose time to a second thread), the free cores
# from 160 (MFD_THREADS_AVAILABLE, at most the online CPUs), and
# OPENBLAS_NUM_THREADS or threads= when given; a run of a batch as alone
ncpu=$(getconf _NPROCESSORS_ONLN)
free=$((ncpu < 2 ? ncpu : 2))
env -u OPENBLAS_NUM_THREADS MFD_THREADS_AVAILABLE=2 "$exe" depth=2 d=4 iters=5 out=th_small > /dev/null 2>&1
env -u OPENBLAS_NUM_THREADS MFD_THREADS_AVAILABLE=2 "$exe" depth=2 d=160 iters=2 out=th_big > /dev/null 2>&1
env -u OPENBLAS_NUM_THREADS MFD_THREADS_AVAILABLE=2 "$exe" depth=2 d=159 iters=2 out=th_below > /dev/null 2>&1
check "threads=0: one BLAS thread at d = 4" "grep -q '^blas_threads = 1\$' th_small/run.ini"
check "threads=0: one BLAS thread at d = 159" "grep -q '^blas_threads = 1\$' th_below/run.ini"
check "threads=0: the free cores at d = 160 ($free)" "grep -q '^blas_threads = $free\$' th_big/run.ini"
OPENBLAS_NUM_THREADS=1 MFD_THREADS_AVAILABLE=2 "$exe" depth=2 d=160 iters=2 out=th_env > /dev/null 2>&1
env -u OPENBLAS_NUM_THREADS MFD_THREADS_AVAILABLE=2 "$exe" depth=2 d=160 iters=2 threads=1 out=th_key > /dev/null 2>&1
check "OPENBLAS_NUM_THREADS=1 and threads=1 keep one thread at d = 160" \
    "grep -q '^blas_threads = 1\$' th_env/run.ini && grep -q '^blas_threads = 1\$' th_key/run.ini"
printf 'depth=2\td=160\titers=2\tout=th_b1\ndepth=2\td=4\titers=2\tout=th_b2\n' > th.runs
env -u OPENBLAS_NUM_THREADS MFD_THREADS_AVAILABLE=2 "$exe" --runs th.runs > /dev/null 2>&1
check "--runs: a small run after a large one gets one thread, as alone" \
    "grep -q '^blas_threads = $free\$' th_b1/run.ini && grep -q '^blas_threads = 1\$' th_b2/run.ini"
# the threads are set before the build (its SVDs and products at d = 200
# round differently with one thread and with two): a large run after a
# small one in a batch has the bits it has alone
printf 'depth=2\td=4\titers=2\tout=th_c1\ndepth=3\td=200\ttarget=haar\tinit=balanced_from_product\titers=2\tout=th_c2\n' > thc.runs
env -u OPENBLAS_NUM_THREADS MFD_THREADS_AVAILABLE=2 "$exe" --runs thc.runs > /dev/null 2>&1
env -u OPENBLAS_NUM_THREADS MFD_THREADS_AVAILABLE=2 "$exe" depth=3 d=200 target=haar init=balanced_from_product iters=2 \
    out=th_c3 > /dev/null 2>&1
check "--runs: a d = 200 run after a d = 4 run has the bits it has alone" \
    "grep -v '^#' th_c2/trace.csv | cut -d, -f1,3- > c2.txt && grep -v '^#' th_c3/trace.csv | cut -d, -f1,3- > c3.txt && cmp -s c2.txt c3.txt"
# OPENBLAS_NUM_THREADS as OpenBLAS read it at start (capped at the CPUs), not re-read
OPENBLAS_NUM_THREADS=64 "$exe" depth=2 d=4 iters=2 out=th_env64 > /dev/null 2>&1
check "OPENBLAS_NUM_THREADS=64: at most the online CPUs ($ncpu)" \
    "[ \$(sed -n 's/^blas_threads = //p' th_env64/run.ini) -le $ncpu ]"
runs_error() { # NAME FRAGMENT ARGS...: exit 2 and the message
    name=$1 frag=$2
    shift 2
    "$exe" "$@" > err.txt 2>&1
    code=$?
    if [ $code -eq 2 ] && grep -qF -- "$frag" err.txt; then pass "$name"; else fail "$name (exit $code: $(cat err.txt))"; fi
}
runs_error "--runs: a missing file" "--runs: cannot open 'nope.runs'" --runs nope.runs
printf '# only a comment\n\n' > empty.runs
runs_error "--runs: a file without runs" "no run in the file" --runs empty.runs
printf 'd=2 iters=10 out=x\n' > spaces.runs
runs_error "--runs: arguments separated by spaces are one value" "key 'd': '2 iters=10 out=x' is not an integer" --runs spaces.runs
printf 'd=2\t=3\n' > eq.runs
runs_error "--runs: an argument without a key" "eq.runs:1: '=3' is not key=value" --runs eq.runs
runs_error "--runs with other arguments" "--runs FILE takes the runs from FILE and no other argument" --runs ok.runs d=3
runs_error "--runs without a file" "--runs FILE takes the runs from FILE" --runs

finish
