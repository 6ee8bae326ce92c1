#!/bin/sh
# mfd-scaled from the command line: every method and problem, the stop
# reason singular_preconditioner, gauge invariance (P7), the sparse path, and
# the error paths.  usage: cli_scaled.sh <mfd-scaled> <workdir>
exe=$1
prog=mfd-scaled
work=$2
. "$(dirname "$0")/testlib.sh"
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1

help_lists_keys method problem model n n1 n2 r k kappa spectrum basis same_basis operator m p sparse outlier_frac \
    outlier_scale rpca_alpha snr_db init alpha init_norm g_ratio gauge_cond eta lambda precgd_c gd_step iters seed out \
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

finish
