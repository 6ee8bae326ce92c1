#!/bin/sh
# mfd-scaled from the command line: every method and problem, the stop
# reason singular_preconditioner, gauge invariance (P7), the sparse path, and
# the error paths.  usage: cli_scaled.sh <mfd-scaled> <workdir>
exe=$1
prog=mfd-scaled
work=$2
. "$(dirname "$0")/testlib.sh"
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1

help_lists_keys method problem model n n1 n2 r k kappa spectrum spectrum_scale basis same_basis operator m p sparse \
    outlier_frac outlier_model outlier_scale rpca_alpha rpca_init_alpha snr_db noise_model init alpha init_norm g_ratio \
    gauge_cond eta lambda lambda_rel precgd_c gd_step iters seed out \
    tol div_bound plateau_window plateau_rtol log_per_decade log_every rate_lo rate_hi slope_t0 slope_t1 thresholds \
    plateau_detect_rtol plateau_detect_decades mem_limit target_file operator_file y_file l0_file r0_file x0_file \
    save_final save_inputs threads
check "--help lists the update rules by name, in their order" \
    "grep -q 'one of gd|scaledgd|scaledgd_lambda|precgd|altscaledgd|altmin; default scaledgd' help.txt"

# every method on a problem it handles reaches the tolerance
run() { name=$1; shift; "$exe" "$@" out="$name" > /dev/null 2>&1; }
run sg method=scaledgd problem=sensing n=30 r=3 kappa=10 iters=2000 save_final=1
check "scaledgd on sensing converges and writes L.npy, R.npy" \
    "[ \"\$(value sg/summary.csv stop_reason)\" = converged ] && [ -f sg/final/L.npy ] && [ -f sg/final/R.npy ]"
header=$(grep -v '^#' sg/trace.csv | head -n 1)
check "trace has iter, time_s and rel_err" "echo '$header' | grep -q '^iter,time_s,loss,rel_err,'"
run alt method=altscaledgd problem=factorization n=30 r=3 kappa=100 init=small alpha=0.1 iters=2000
check "altscaledgd on factorization from small init converges" "[ \"\$(value alt/summary.csv stop_reason)\" = converged ]"
run am method=altmin problem=completion n=60 r=3 p=0.3 iters=200
check "altmin on completion converges" "[ \"\$(value am/summary.csv stop_reason)\" = converged ]"
run rp method=scaledgd problem=rpca n=100 r=3 kappa=5 iters=5000
check "scaledgd on robust PCA converges with the default projection level" \
    "[ \"\$(value rp/summary.csv stop_reason)\" = converged ] && grep -q '^rpca_alpha = 0.2$' rp/run.ini"
run pg method=precgd model=sym problem=sensing n=20 r=2 k=4 init=small alpha=1e-3 iters=3000
check "precgd over-parameterized symmetric converges" "[ \"\$(value pg/summary.csv stop_reason)\" = converged ]"
run gd method=gd problem=factorization n=30 r=3 kappa=100 init=small alpha=0.1 iters=300
check "gd at kappa 100 is still far after 300 iterations" "awk -v e=\"\$(value gd/summary.csv rel_err)\" 'BEGIN { exit !(e > 1e-3) }'"

# P6: lambda = 0 over-parameterized ends with singular_preconditioner, not NaN
run p6 method=scaledgd model=sym problem=factorization n=20 r=2 k=4 init=small alpha=0.1 tol=0 iters=2000
check "scaledgd with lambda = 0 and k > r stops with singular_preconditioner once the excess columns vanish" \
    "[ \"\$(value p6/summary.csv stop_reason)\" = singular_preconditioner ] && ! grep -qi nan p6/trace.csv"

# P7: the gauge of the init does not change scaledgd's products; it changes gd's
run g1 method=scaledgd problem=sensing n=30 r=3 kappa=10 init=small alpha=0.1 iters=200 tol=0 log_every=10
run g2 method=scaledgd problem=sensing n=30 r=3 kappa=10 init=small alpha=0.1 iters=200 tol=0 log_every=10 gauge_cond=100
column g1/trace.csv rel_err > a.txt
column g2/trace.csv rel_err > b.txt
# rel_err is |L R^T - M*| / |M*|: the traces differ by at most |Delta(L R^T)| / |M*|, which
# rounding bounds by about cond(Q)^2 u: allow 10 cond(Q)^2 u = 1.1e-11
check "P7 scaledgd: rel_err traces from (L0, R0) and (L0 Q, R0 Q^-T), cond(Q) = 100, agree to rounding" \
    "[ \$(wc -l < a.txt) -eq 21 ] && traces_differ_by a.txt b.txt lt 1.1e-11"
run h1 method=gd problem=sensing n=30 r=3 kappa=10 init=small alpha=0.1 iters=200 tol=0 log_every=10
run h2 method=gd problem=sensing n=30 r=3 kappa=10 init=small alpha=0.1 iters=200 tol=0 log_every=10 gauge_cond=3
column h1/trace.csv rel_err > a.txt
column h2/trace.csv rel_err > b.txt
check "P7 gd: a mild gauge (cond 3) changes the rel_err trace (GD depends on the balance)" \
    "[ \$(wc -l < a.txt) -eq 21 ] && traces_differ_by a.txt b.txt gt 1e-3"

# the sparse completion path gives the dense path's run
run cd method=scaledgd problem=completion n=80 r=3 p=0.2 iters=2000
run cs method=scaledgd problem=completion n=80 r=3 p=0.2 iters=2000 sparse=1
check "sparse=1 reproduces the dense completion run" \
    "[ \"\$(value cd/summary.csv iterations)\" = \"\$(value cs/summary.csv iterations)\" ] && [ \"\$(value cs/summary.csv stop_reason)\" = converged ]"

# sigma_1 != 1: ScaledGD and GD with step eta / sigma_1 from the spectral init are equivariant under M* -> c M*
# (the init scales by sqrt(c), the preconditioned step by 1); the same seed gives the same rel_err trace to
# rounding.  A wrong power of sigma_1 (GD's step eta instead of eta / sigma_1) changes it at once.
for m in scaledgd gd; do
    run ${m}1 method=$m problem=sensing n=20 r=2 kappa=5 m=400 iters=100 tol=0 log_every=10
    run ${m}10 method=$m problem=sensing n=20 r=2 kappa=5 m=400 iters=100 tol=0 log_every=10 spectrum_scale=10
    column ${m}1/trace.csv rel_err > a.txt
    column ${m}10/trace.csv rel_err > b.txt
    check "$m: spectrum_scale = 10 gives the same rel_err trace as 1 (sigma1 = 10 in summary.csv)" \
        "traces_differ_by a.txt b.txt lt 1e-12 && [ \"\$(value ${m}10/summary.csv sigma1)\" = 10 ]"
done
run gdplain method=gd gd_step=plain problem=sensing n=20 r=2 kappa=5 m=400 iters=100 tol=0 log_every=10 spectrum_scale=10
column gdplain/trace.csv rel_err > b.txt
check "gd with the plain step eta at sigma_1 = 10 is a different run (diverges or departs)" \
    "[ \"\$(value gdplain/summary.csv stop_reason)\" = diverged ] || traces_differ_by a.txt b.txt gt 1e-3"

# lambda_rel: lambda = lambda_rel sigma_r(M*), recorded in run.ini and lambda_last
run lr method=scaledgd_lambda lambda_rel=0.5 model=sym problem=factorization n=20 r=2 k=3 kappa=4 spectrum_scale=2 \
    init=small alpha=1e-3 iters=50
check "lambda_rel = 0.5 at sigma_r = 0.5 gives lambda = 0.25 (run.ini and lambda_last)" \
    "grep -q '^lambda = 0.25$' lr/run.ini && [ \"\$(value lr/summary.csv lambda_last)\" = 0.25 ]"

# [TMC21]'s robust PCA: outliers T_alpha(N(0,1)), init with T_alpha, iterations with T_2alpha
run rt method=scaledgd problem=rpca n=100 r=3 kappa=5 outlier_model=tmc21 rpca_init_alpha=0.1 iters=3000
check "robust PCA with tmc21 outliers converges; run.ini has both levels; the density is below outlier_frac" \
    "[ \"\$(value rt/summary.csv stop_reason)\" = converged ] && grep -q '^rpca_init_alpha = 0.1$' rt/run.ini && \
     grep -q '^rpca_alpha = 0.2$' rt/run.ini && awk -v d=\"\$(value rt/summary.csv outlier_density)\" 'BEGIN { exit !(d > 0.05 && d <= 0.1) }'"
check "the spectral init's deviation init_dev_op bounds its error: |X0 - M*|_F <= 2 sqrt(2r) init_dev_op" \
    "awk -v e=\"\$(value rt/summary.csv rel_err_init)\" -v f=\"\$(value rt/summary.csv target_fro)\" \
         -v d=\"\$(value rt/summary.csv init_dev_op)\" 'BEGIN { exit !(d > 0 && e * f <= 2 * sqrt(6) * d) }'"
run tn method=scaledgd problem=sensing n=20 r=2 m=400 noise_model=tmc21 snr_db=40 iters=10 save_inputs=1
check "noise_model=tmc21: noise_std = |M*|_F / (n 10^(snr_db/20))" \
    "awk -v s=\"\$(value tn/summary.csv noise_std)\" -v f=\"\$(value tn/summary.csv target_fro)\" \
         'BEGIN { d = s - f / 2000; if (d < 0) d = -d; exit !(d <= 1e-15 * s) }'"

# error paths
expect_error "an unknown method is refused" "key 'method': 'adam' is not one of" method=adam
expect_error "altscaledgd on the symmetric model is refused" "alternates between L and R: it needs model=asym" method=altscaledgd model=sym
expect_error "altmin with the on-the-fly operator is refused" "method=altmin needs the stored operator" method=altmin operator=gaussian_otf
expect_error "altmin on sensing above mem_limit is refused with its size" "method=altmin on sensing needs 32400 bytes" method=altmin n=10 r=5 m=30 mem_limit=30000
run ams method=altmin problem=sensing n=20 r=2 kappa=10 iters=100
check "altmin on sensing (normal equations) converges" "[ \"\$(value ams/summary.csv stop_reason)\" = converged ]"
expect_error "lambda with plain scaledgd is refused" "use method=scaledgd_lambda" lambda=0.1
expect_error "scaledgd_lambda without lambda is refused" "needs lambda > 0" method=scaledgd_lambda
expect_error "an operator for completion is refused" "are for problem=sensing, not completion" problem=completion operator=gaussian
expect_error "symmetric completion is refused" "problem=completion is asymmetric" problem=completion model=sym
expect_error "sparse outside completion is refused" "the sparse path is for asymmetric matrix completion" sparse=1
expect_error "p = 0 is refused" "key 'p': '0' is out of range" problem=completion p=0
expect_error "a missing l0_file is refused naming it" "key 'l0_file': cannot open 'none.npy'" l0_file=none.npy r0_file=none.npy
expect_error "l0_file without r0_file is refused" "'l0_file' and 'r0_file' go together" l0_file=sg/final/L.npy
expect_error "a bad gauge_cond is refused" "key 'gauge_cond': '0.5' is out of range" gauge_cond=0.5
expect_error "outlier_model=tmc21 off robust PCA is refused" "key 'outlier_model': tmc21 is for problem=rpca, not sensing" \
    outlier_model=tmc21
expect_error "rpca_init_alpha off robust PCA is refused" "key 'rpca_init_alpha': 0.1 is for problem=rpca, not factorization" \
    problem=factorization rpca_init_alpha=0.1
run defaults problem=completion n=30 r=2 outlier_model=uniform rpca_init_alpha=0 iters=5
check "the robust-PCA keys at their defaults are accepted with another problem (specs zip them)" \
    "[ -f defaults/summary.csv ]"
expect_error "an unknown outlier_model is refused" "key 'outlier_model': 'cauchy' is not one of uniform|tmc21" \
    problem=rpca outlier_model=cauchy
expect_error "outlier_scale with tmc21 outliers is refused" "key 'outlier_scale' sizes the uniform outliers" \
    problem=rpca outlier_model=tmc21 outlier_scale=5
expect_error "rpca_init_alpha above 1 is refused" "key 'rpca_init_alpha': '2' is out of range" problem=rpca rpca_init_alpha=2
expect_error "an unknown noise_model is refused" "key 'noise_model': 'white' is not one of snr|tmc21" noise_model=white
expect_error "lambda_rel off scaledgd_lambda is refused" "key 'lambda_rel' is for method=scaledgd_lambda, not precgd" \
    method=precgd model=sym k=6 lambda_rel=0.1
expect_error "lambda with lambda_rel is refused" "keys 'lambda' and 'lambda_rel' both set the damping" \
    method=scaledgd_lambda lambda=0.1 lambda_rel=0.1
expect_error "a negative lambda_rel is refused" "key 'lambda_rel': '-1' is out of range" method=scaledgd_lambda lambda_rel=-1
expect_error "spectrum_scale = 0 is refused" "key 'spectrum_scale': '0' is out of range" spectrum_scale=0
expect_error "spectrum_scale with target_file is refused" "key 'spectrum_scale': 3 scales a drawn truth" \
    target_file=tn/final/target.npy r=2 spectrum_scale=3

# runs that share an operator step together (--runs): every method of the
# sensing problem, stored and on the fly, each run's files as alone, bit for bit
for op in gaussian gaussian_otf; do
    printf '%s' 'problem=sensing	n=20	r=2	m=400	op_seed=5	operator=OP	iters=60	method=scaledgd	kappa=10	seed=1	out=grp_OP_0
problem=sensing	n=20	r=2	m=400	op_seed=5	operator=OP	iters=60	method=gd	kappa=10	seed=1	out=grp_OP_1
problem=sensing	n=20	r=2	m=400	op_seed=5	operator=OP	iters=60	method=precgd	k=3	kappa=5	seed=2	out=grp_OP_2
problem=sensing	n=20	r=2	m=400	op_seed=5	operator=OP	iters=60	method=altscaledgd	seed=3	out=grp_OP_3
problem=sensing	n=20	r=2	m=400	op_seed=5	operator=OP	iters=60	method=scaledgd_lambda	lambda=0.01	kappa=3	seed=4	out=grp_OP_4
problem=sensing	n=20	r=2	m=400	op_seed=5	operator=OP	iters=60	method=scaledgd	init=small	alpha=1e-3	kappa=2	seed=5	out=grp_OP_5
' | sed "s/OP/$op/g" > grp_$op.txt
    check "operator=$op: a group of 6 runs (five methods) gives each run's files alone, bit for bit" "group_equals_alone grp_$op"
done
printf '%s' 'problem=sensing	model=sym	n=16	r=2	k=3	m=300	op_seed=2	iters=50	method=scaledgd	kappa=2	seed=1	out=grp_sym_0
problem=sensing	model=sym	n=16	r=2	k=3	m=300	op_seed=2	iters=50	method=precgd	kappa=4	seed=2	out=grp_sym_1
problem=sensing	model=sym	n=16	r=2	k=3	m=300	op_seed=2	iters=50	method=gd	kappa=4	seed=3	out=grp_sym_2
' > grp_sym.txt
check "model=sym on gaussian_sym: a group of 3 gives each run alone, bit for bit" "group_equals_alone grp_sym"

# the operator passes' threads: a stored operator of 5e6 entries or more gets the cores mfd run leaves it
# (MFD_THREADS_AVAILABLE), a smaller one, or threads = 1, one; the bits do not depend on them (n = 60:
# 3 600 entries a column, two tiles, which two threads do split)
MFD_THREADS_AVAILABLE=2 "$exe" problem=sensing n=60 r=3 m=1400 iters=20 out=th_big > /dev/null 2>&1
MFD_THREADS_AVAILABLE=1 "$exe" problem=sensing n=60 r=3 m=1400 iters=20 out=th_one > /dev/null 2>&1
MFD_THREADS_AVAILABLE=2 "$exe" problem=sensing n=60 r=3 m=1300 iters=20 out=th_small > /dev/null 2>&1
MFD_THREADS_AVAILABLE=2 "$exe" problem=sensing n=60 r=3 m=1400 iters=20 threads=1 out=th_set > /dev/null 2>&1
check "m n^2 = 5.04e6: two operator threads when two are available, one when one is" \
    "grep -q '^op_threads = 2$' th_big/run.ini && grep -q '^op_threads = 1$' th_one/run.ini"
check "m n^2 = 4.68e6, or threads = 1: one operator thread" \
    "grep -q '^op_threads = 1$' th_small/run.ini && grep -q '^op_threads = 1$' th_set/run.ini"
MFD_THREADS_AVAILABLE=4096 "$exe" problem=sensing n=60 r=3 m=1400 iters=20 out=th_many > /dev/null 2>&1
check "more threads available than cores: at most the cores" \
    "[ \"\$(sed -n 's/^op_threads = //p' th_many/run.ini)\" -le \"\$(getconf _NPROCESSORS_ONLN)\" ]"
column th_big/trace.csv rel_err > th_a.txt
column th_one/trace.csv rel_err > th_b.txt
check "two operator threads give one thread's errors, bit for bit" "[ -s th_a.txt ] && cmp -s th_a.txt th_b.txt"

finish
