#!/bin/sh
# mfd-sense from the command line: help, runs of both models and their files,
# the on-the-fly operator, the re-imbalancing step, the memory guard, and the
# error paths.  usage: cli_sense.sh <mfd-sense> <workdir>
exe=$1
prog=mfd-sense
work=$2
. "$(dirname "$0")/testlib.sh"
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1

help_lists_keys method model n n1 n2 k r kappa spectrum operator m snr_db init alpha init_norm g_ratio eta iters seed op_seed out \
    tol div_bound plateau_window plateau_rtol rebalance_eps0 log_per_decade log_every rate_lo rate_hi slope_t0 \
    slope_t1 thresholds plateau_detect_rtol plateau_detect_decades mem_limit target_file operator_file y_file \
    x0_file f0_file g0_file save_final save_inputs threads
check "--help says snr_db accepts inf" "grep -q 'a real number or inf; default inf' help.txt"
check "--help lists the update rules by name" "grep -q 'one of gd; default gd' help.txt"

# a symmetric and an asymmetric run write the three files
"$exe" model=sym n=10 k=3 r=2 alpha=0.1 eta=0.2 iters=300 save_final=1 save_inputs=1 out=sym > /dev/null 2>&1
check "a symmetric run exits 0 and writes its files" "[ \$? -eq 0 ] && [ -f sym/run.ini ] && [ -f sym/trace.csv ] && [ -f sym/summary.csv ]"
header=$(grep -v '^#' sym/trace.csv | head -n 1)
check "trace header starts iter,time_s,loss,rel_err" "echo '$header' | grep -q '^iter,time_s,loss,rel_err,err_abs,sv_1,'"
check "symmetric trace has signal, excess and alignment columns" "echo '$header' | grep -q 'signal_min,excess_fro,excess_op,align_sin'"
check "save_final writes final/X.npy; save_inputs the inputs and the stored operator" \
    "[ -f sym/final/X.npy ] && [ -f sym/final/X0.npy ] && [ -f sym/final/y.npy ] && [ -f sym/final/target.npy ] && [ -f sym/final/operator.npy ]"
check "run.ini records the resolved operator and m = 5 n r" "grep -q '^operator = gaussian_sym$' sym/run.ini && grep -q '^m = 100$' sym/run.ini"
"$exe" model=asym n1=8 n2=6 k=3 r=2 alpha=0.1 eta=0.2 iters=300 save_final=1 out=asym > /dev/null 2>&1
check "an asymmetric rectangular run writes F.npy and G.npy" "[ -f asym/final/F.npy ] && [ -f asym/final/G.npy ]"
header=$(grep -v '^#' asym/trace.csv | head -n 1)
check "asymmetric trace has f_ and g_ parts and the imbalance eigenvalues" \
    "echo '$header' | grep -q 'f_sv_1' && echo '$header' | grep -q 'g_align_sin' && echo '$header' | grep -q 'imb_1,imb_2,imb_3,imb_min_abs'"

# the on-the-fly operator gives the same run as the stored one (same A_k; rounding differs)
"$exe" model=asym n=10 k=3 r=2 alpha=0.1 eta=0.2 iters=500 out=dense > /dev/null 2>&1
"$exe" model=asym n=10 k=3 r=2 alpha=0.1 eta=0.2 iters=500 operator=gaussian_otf out=otf > /dev/null 2>&1
check "operator=gaussian_otf reproduces operator=gaussian's run" \
    "awk -v a=\"\$(value dense/summary.csv rel_err)\" -v b=\"\$(value otf/summary.csv rel_err)\" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= 1e-9 * a) }'"

# every generator path (MFD_GAUSS_KERNELS) gives the on-the-fly run's numbers bit for bit
grep -v '^#' otf/trace.csv | cut -d, -f1,3- > otf.rows
grep -v '^#' dense/trace.csv | cut -d, -f1,3- > dense.rows
check "... bit for bit (the batched normal map: the same A_k, the same sums)" "cmp -s dense.rows otf.rows"

# the operator's seed: op_seed = seed is the run without it; another op_seed
# is another operator under the same target and init
"$exe" model=asym n=10 k=3 r=2 alpha=0.1 eta=0.2 iters=500 seed=1 op_seed=1 out=op1 > /dev/null 2>&1
grep -v '^#' op1/trace.csv | cut -d, -f1,3- > op1.rows
check "op_seed equal to seed gives the run without op_seed, bit for bit; run.ini records it" \
    "cmp -s dense.rows op1.rows && grep -q '^op_seed = 1$' op1/run.ini && grep -q '^op_seed = 1$' dense/run.ini"
"$exe" model=asym n=10 k=3 r=2 alpha=0.1 eta=0.2 iters=500 seed=1 op_seed=2 out=op2 > /dev/null 2>&1
check "another op_seed: the same target and init (rel_err_init), another operator (rel_err)" \
    "[ \"\$(value op2/summary.csv rel_err_init)\" = \"\$(value dense/summary.csv rel_err_init)\" ] && [ \"\$(value op2/summary.csv rel_err)\" != \"\$(value dense/summary.csv rel_err)\" ]"
check "run.ini records the generator path" "grep -Eq '^gauss_kernels = (avx512|avx2|plain)$' otf/run.ini"
# every path of the batched normal map (MFD_SENSE_KERNELS) too, which the
# on-the-fly run evaluates with: the same trace bit for bit
check "run.ini records the normal map's path" "grep -Eq '^sense_kernels = (avx512|avx2|plain)$' otf/run.ini"
for var in MFD_GAUSS_KERNELS MFD_SENSE_KERNELS; do
    key=$(echo "$var" | sed 's/^MFD_//; s/_KERNELS$//' | tr 'A-Z' 'a-z')_kernels
    for path in plain avx2 avx512; do
        env "$var=$path" "$exe" model=asym n=10 k=3 r=2 alpha=0.1 eta=0.2 iters=500 operator=gaussian_otf \
            out=otf_${key}_$path > otf_$path.err 2>&1
        if grep -q "lacks" otf_$path.err; then
            echo "SKIP $var=$path: not on this CPU"
            continue
        fi
        grep -v '^#' otf_${key}_$path/trace.csv | cut -d, -f1,3- > otf_$path.rows
        check "$var=$path is recorded and gives the same trace, bit for bit" \
            "grep -q '^$key = $path\$' otf_${key}_$path/run.ini && cmp -s otf.rows otf_$path.rows"
        [ "$var" = MFD_SENSE_KERNELS ] || continue
        # the stored operator's passes take several columns at a time
        env "$var=$path" "$exe" model=asym n=10 k=3 r=2 alpha=0.1 eta=0.2 iters=500 out=dense_$path > /dev/null 2>&1
        grep -v '^#' dense_$path/trace.csv | cut -d, -f1,3- > dense_$path.rows
        check "$var=$path over the stored operator gives the same trace, bit for bit" "cmp -s dense.rows dense_$path.rows"
    done
done
MFD_SENSE_KERNELS=sse9 "$exe" iters=1 out=bad > err.txt 2>&1
rc=$?
check "an unknown MFD_SENSE_KERNELS is refused" \
    "[ $rc -eq 2 ] && grep -q \"environment variable MFD_SENSE_KERNELS: 'sse9' is not a kernel path; expected auto, avx512, avx2 or plain\" err.txt"
MFD_GAUSS_KERNELS=avx9 "$exe" iters=1 out=bad > err.txt 2>&1
rc=$?
check "an unknown MFD_GAUSS_KERNELS is refused" \
    "[ $rc -eq 2 ] && grep -q \"environment variable MFD_GAUSS_KERNELS: 'avx9' is not a kernel path; expected auto, avx512, avx2 or plain\" err.txt"

# S4: the re-imbalancing step is applied once and recorded
"$exe" model=asym n=10 k=4 r=2 alpha=0.01 eta=0.2 iters=100000 rebalance_eps0=1e-3 out=reb > /dev/null 2>&1
check "rebalance_eps0 applies the step once and records its iteration" \
    "[ \"\$(value reb/summary.csv rebalance_iter)\" -gt 0 ] && [ \"\$(value reb/summary.csv stop_reason)\" = converged ]"

# noise at a given SNR is recorded; identity is plain factorization
"$exe" model=sym n=10 k=2 r=2 snr_db=40 iters=10 out=noisy > /dev/null 2>&1
check "snr_db=40 records a positive noise_std" "awk -v x=\"\$(value noisy/summary.csv noise_std)\" 'BEGIN { exit !(x > 0) }'"
"$exe" model=sym n=10 k=2 r=2 operator=identity iters=10 out=ident > /dev/null 2>&1
check "operator=identity uses m = n^2" "grep -q '^m = 100$' ident/run.ini"

# a run from the saved inputs reproduces the first run's start
"$exe" target_file=sym/final/target.npy operator_file=sym/final/operator.npy y_file=sym/final/y.npy \
    x0_file=sym/final/X0.npy iters=0 out=again > /dev/null 2>&1
check "a run from saved inputs starts at the same rel_err" "[ \"\$(value sym/summary.csv rel_err_init)\" = \"\$(value again/summary.csv rel_err_init)\" ]"

# the memory guard names the bytes and the on-the-fly operator
expect_error "a dense operator above mem_limit is refused with its size and the alternative" \
    "needs 44000000 bytes (m n (n + 1)/2 = 100000 x 55 doubles) but mem_limit is 1000000 bytes; use operator=gaussian_sym_otf" \
    n=10 m=100000 mem_limit=1e6

printf 'garbage' > corrupt.npy
expect_error "an unknown key is refused" "unknown key 'kk'" kk=3
expect_error "an unknown method is refused listing the rules" "key 'method': 'scaledgd' is not one of gd" method=scaledgd
expect_error "a bad number is refused" "key 'eta': 'x' is not a finite number" eta=x
expect_error "k = 0 is out of range" "key 'k': '0' is out of range" k=0
expect_error "a bad snr_db is refused" "key 'snr_db': 'loud'" snr_db=loud
expect_error "an unknown operator is refused" "key 'operator': 'fourier' is not one of" operator=fourier
expect_error "a missing target file is refused naming it" "key 'target_file': cannot open 'no.npy'" target_file=no.npy
expect_error "a corrupt operator file is refused naming it" "key 'operator_file': 'corrupt.npy' is not an .npy file" operator_file=corrupt.npy
expect_error "an operator file of the wrong shape is refused" "must be a real (m, 10, 10) array" operator_file=asym/final/F.npy n=10
expect_error "y_file without target_file is refused" "key 'y_file' needs target_file" y_file=sym/final/y.npy
expect_error "y_file of the wrong length is refused" "must be a real vector of the operator's m = 7 entries" \
    target_file=sym/final/target.npy y_file=sym/final/y.npy m=7
expect_error "x0_file with model=asym is refused" "key 'x0_file' is for the symmetric model" model=asym x0_file=sym/final/X0.npy
expect_error "f0_file without g0_file is refused" "'f0_file' and 'g0_file' go together" model=asym f0_file=asym/final/F.npy
expect_error "init=balanced with model=sym is refused" "'balanced' is for the asymmetric model" init=balanced
expect_error "rebalancing a symmetric model is refused" "the re-imbalancing step is for model=asym" rebalance_eps0=0.1
expect_error "k above n is refused" "must be at most min(n1, n2) = 5" n=5 k=6
expect_error "a symmetrized operator on a rectangular truth is refused" "needs a square ground truth" model=asym n1=4 n2=5 operator=gaussian_sym
expect_error "n1 with model=sym is refused" "'n1' and 'n2' are for the asymmetric model" n1=4
expect_error "spectrum_scale <= 0 is refused naming the key" "key 'spectrum_scale'" spectrum_scale=0

# spectrum_scale multiplies the truth: sigma_1 = 4, sigma_r = 4/kappa, and the same run at sigma_1 = 1 seen at 4x
"$exe" model=asym n=10 r=2 k=4 kappa=5 spectrum_scale=4 operator=identity iters=50 out=scale4 > /dev/null 2>&1
check "spectrum_scale = 4 at kappa = 5 gives sigma_1 = 4 and sigma_r = 0.8" \
    "awk -v a=\"\$(value scale4/summary.csv sigma1)\" -v b=\"\$(value scale4/summary.csv sigma_r)\" 'BEGIN { exit !(a == 4 && b > 0.8 - 1e-12 && b < 0.8 + 1e-12) }'"

# runs that share an operator step together (--runs): one copy of the operator,
# one pass over it per evaluation for the whole group, and each run's files
# as the same run alone, bit for bit (stored and on-the-fly operators; runs
# of different lengths, steps, truths, inits and a re-imbalancing step)
for op in gaussian gaussian_otf; do
    printf '%s' 'model=asym	n=12	r=2	k=3	op_seed=9	operator=OP	kappa=1	iters=300	seed=3	out=grp_OP_0
model=asym	n=12	r=2	k=3	op_seed=9	operator=OP	kappa=5	eta=0.1	iters=400	seed=4	out=grp_OP_1
model=asym	n=12	r=2	k=3	op_seed=9	operator=OP	kappa=2	iters=200	seed=5	rebalance_eps0=1e-2	out=grp_OP_2
model=asym	n=12	r=2	k=3	op_seed=9	operator=OP	kappa=3	alpha=0.01	init=balanced	iters=250	seed=6	out=grp_OP_3
' | sed "s/OP/$op/g" > grp_$op.txt
    check "operator=$op: a group of 4 runs sharing it gives each run's files alone, bit for bit" "group_equals_alone grp_$op"
done
printf '%s' 'model=sym	n=10	r=2	k=3	op_seed=4	operator=gaussian_sym_otf	kappa=1	iters=200	seed=1	out=grp_sym_0
model=sym	n=10	r=2	k=3	op_seed=4	operator=gaussian_sym_otf	kappa=4	eta=0.1	iters=150	seed=2	out=grp_sym_1
model=sym	n=10	r=2	k=3	op_seed=4	operator=gaussian_sym_otf	kappa=2	iters=100	seed=3	init=spectral	out=grp_sym_2
' > grp_sym.txt
check "the symmetric model on gaussian_sym_otf: a group of 3 gives each run alone, bit for bit" "group_equals_alone grp_sym"
check "run.ini records the group's size" "grep -q '^op_group_runs = 3$' grp_sym_0/run.ini"
printf 'model=asym\tn=10\tr=2\tk=3\top_seed=3\titers=80\tseed=1\tout=bad_a\nmodel=asym\tn=10\tr=2\tk=3\top_seed=3\titers=80\tseed=2\teta=-1\tout=bad_b\nmodel=asym\tn=10\tr=2\tk=3\top_seed=3\titers=80\tseed=3\tout=bad_c\n' > badgroup.txt
MFD_GROUP_SHARE_MIN=0 "$exe" --runs badgroup.txt > badgroup.log 2>&1
code=$?
check "a bad run in a group fails alone (exit 2); the others complete, still sharing the operator" \
    "[ $code -eq 2 ] && [ -f bad_a/summary.csv ] && [ -f bad_c/summary.csv ] && [ ! -e bad_b ] && grep -q '^op_shared_evals = 81$' bad_a/run.ini"
# below APP_GROUP_SHARE_MIN entries (here m n1 n2 = 120 x 12 x 12) a group
# borrows one operator but evaluates run by run: the same bits as the shared passes
sed 's/out=grp_gaussian_/out=small_/' grp_gaussian.txt > small.txt
env -u MFD_GROUP_SHARE_MIN "$exe" --runs small.txt > small.log 2>&1
small_same() {
    for i in 0 1 2 3; do
        grep -q '^op_group_runs = 4$' small_$i/run.ini && grep -q '^op_shared_evals = 0$' small_$i/run.ini || return 1
        for f in trace.csv summary.csv; do
            without_time small_$i/$f > a.rows
            without_time grp_gaussian_$i/$f > b.rows
            [ -s a.rows ] && cmp -s a.rows b.rows || return 1
        done
    done
}
check "a group over a small stored operator evaluates run by run (op_shared_evals = 0), with the shared passes' bits" small_same
rm -rf small_*
# a bad bound is refused before any run starts, even a lone run ahead of the group
{ printf 'model=asym\tn=10\tr=2\tk=3\titers=20\tseed=9\tout=small_lone\n'; cat small.txt; } > badmin.txt
for bad in 1e5 ' -1' ' 5' -3 +5 abc; do
    MFD_GROUP_SHARE_MIN="$bad" "$exe" --runs badmin.txt > badmin.log 2>&1
    code=$?
    check "MFD_GROUP_SHARE_MIN='$bad' is refused (exit 2) naming the variable and the value, before any run starts" \
        "[ $code -eq 2 ] && grep -q \"MFD_GROUP_SHARE_MIN: '$bad'\" badmin.log && [ ! -e small_0 ] && [ ! -e small_lone ]"
done
printf 'n=10\tr=2\tk=3\top_seed=5\titers=50\tout=sh_a\nn=10\tr=2\tk=3\top_seed=5\titers=50\tshare_operator=0\tout=sh_b\n' > noshare.txt
"$exe" --runs noshare.txt > /dev/null 2>&1
check "share_operator=0 keeps a run out of its operator's group" \
    "[ -f sh_a/summary.csv ] && [ -f sh_b/summary.csv ] && ! grep -q op_group_runs sh_a/run.ini && ! grep -q op_group_runs sh_b/run.ini"
printf 'n=10\tr=2\tk=3\tseed=1\titers=50\tout=lone_a\nn=10\tr=2\tk=3\tseed=2\titers=50\tout=lone_b\n' > lone.txt
"$exe" --runs lone.txt > /dev/null 2>&1
check "runs with different operators (no op_seed, other seeds) each run alone" \
    "[ -f lone_a/summary.csv ] && [ -f lone_b/summary.csv ] && ! grep -q op_group_runs lone_a/run.ini"

finish
