/* app_lowrank.h — the two-factor problem of mfd-sense and mfd-scaled from
 * their keys: the key rows the two programs share (written once, here), the
 * checks that are about keys, reading the .npy inputs, and what a run writes
 * about its instance (trace metadata, summary columns, final files).  The
 * instance itself is the library's: mfd_lowrank.h builds it from plain
 * values and checks them.
 *
 * A program keeps an app_lowrank_keys in its parameter struct; then
 *   app_lowrank_words     its choice words to the library's values, by name;
 *   app_lowrank_resolve   key checks, .npy files, mfd_lowrank_check;
 *   app_lowrank_build     the instance, its diagnostics, and the resolved
 *                         values (sizes, operator, init) for run.ini. */
#ifndef APP_LOWRANK_H
#define APP_LOWRANK_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>

#include "app_loop.h"
#include "mfd_lowrank.h"
#include "mfd_method.h"
#include "mfd_npy.h"
#include "mfd_out.h"
#include "mfd_param.h"
#include "mfd_sensediag.h"

/* What the two-factor keys hold before the problem is resolved. */
typedef struct app_lowrank_keys {
    mfd_lowrank_params prob;        /* plain values: the rows write them directly */
    int model, op, init, init_norm; /* choice words, read by name (app_lowrank_words) */
    const char *target_file, *operator_file, *y_file, *x0_file, *f0_file, *g0_file;
} app_lowrank_keys;

/* The rows, each group where both programs have it in their key order; the
 * arguments are the defaults in which they differ.  T is the program's
 * parameter struct, lk its app_lowrank_keys member. */
#define APP_LOWRANK_SIZE_KEYS(T, lk, N)                                                                             \
    {"n", MFD_P_INT, N, 1, 1e6, MFD_P_OPERATOR, NULL, offsetof(T, lk.prob.n), "size of the n x n ground truth"},    \
    {"n1", MFD_P_INT, "0", 0, 1e6, MFD_P_OPERATOR, NULL, offsetof(T, lk.prob.n1),                                    \
     "asym: rows of the ground truth (0: n)"},                                                                      \
    {"n2", MFD_P_INT, "0", 0, 1e6, MFD_P_OPERATOR, NULL, offsetof(T, lk.prob.n2),                                    \
     "asym: columns of the ground truth (0: n)"}

#define APP_LOWRANK_RANK_KEY(T, lk, R) \
    {"r", MFD_P_INT, R, 1, 1e6, MFD_P_OPERATOR, NULL, offsetof(T, lk.prob.r),                                      \
     "rank of the ground truth (m's default is 5 n r)"}

#define APP_LOWRANK_SPECTRUM_KEYS(T, lk)                                                                            \
    {"kappa", MFD_P_REAL, "1", 1, INFINITY, 0, NULL, offsetof(T, lk.prob.kappa),                                   \
     "condition number: singular values linspace(1, 1/kappa, r), so |M*|_op = 1"},                                  \
    {"spectrum", MFD_P_LIST, NULL, 0, INFINITY, MFD_P_MIN_OPEN, NULL, offsetof(T, lk.prob.spectrum),               \
     "the r singular values of the ground truth (replaces kappa)"}

#define APP_LOWRANK_SPECTRUM_SCALE_KEY(T, lk)                                                                       \
    {"spectrum_scale", MFD_P_REAL, "1", 0, INFINITY, MFD_P_MIN_OPEN, NULL, offsetof(T, lk.prob.spectrum_scale),     \
     "multiplies the truth's singular values (kappa's or spectrum's): sigma_1(M*) = spectrum_scale for kappa"}

#define APP_LOWRANK_SAME_BASIS_KEY(T, lk)                                                                           \
    {"same_basis", MFD_P_BOOL, "0", 0, 0, 0, NULL, offsetof(T, lk.prob.same_basis),                                 \
     "asym: V* = U*, a PSD ground truth (the symmetric model's truth; [TMC21]'s Fig. 2 scripts)"}

#define APP_LOWRANK_M_KEY(T, lk)                                                                                    \
    {"m", MFD_P_INT, "0", 0, 1e12, MFD_P_OPERATOR, NULL, offsetof(T, lk.prob.m),                                    \
     "number of measurements (0: 5 n r; identity: n1 n2)"}

/* The seed of the operator's stream (and the completion mask's), which the
 * driver derives from the operator keys alone; without it, seed's. */
#define APP_LOWRANK_OP_SEED_KEY(T, lk)                                                                              \
    {"op_seed", MFD_P_SEED, "0", 0, 0, 0, NULL, offsetof(T, lk.prob.op_seed),                                       \
     "seed of the operator's (and mask's) stream (not given: seed's); the driver derives it from the operator keys"}

/* share_operator: may the run step together with the runs of its --runs
 * file that draw the same operator (app_runs_main_grouped)? */
#define APP_LOWRANK_SHARE_KEY(T, member)                                                                             \
    {"share_operator", MFD_P_BOOL, "1", 0, 0, MFD_P_OBSERVE, NULL, offsetof(T, member),                             \
     "--runs: step together with the runs that draw the same operator (0: alone, for timing it)"}

/* threads: of the operator passes (the batched normal map) and of BLAS. */
#define APP_LOWRANK_THREADS_KEY(T, member)                                                                           \
    {"threads", MFD_P_INT, "0", 0, 1024, MFD_P_OBSERVE, NULL, offsetof(T, member),                                  \
     "threads of the operator passes and of BLAS (0: one each, or BLAS's OPENBLAS_NUM_THREADS; see README)"}

#define APP_LOWRANK_NOISE_KEY(T, lk)                                                                                \
    {"snr_db", MFD_P_REAL, "inf", -INFINITY, INFINITY, MFD_P_INF_OK, NULL, offsetof(T, lk.prob.snr_db),            \
     "signal-to-noise ratio of the measurements in dB (inf: noiseless)"}

#define APP_LOWRANK_SMALL_INIT_KEYS(T, lk, ALPHA, G_RATIO)                                                          \
    {"alpha", MFD_P_REAL, ALPHA, 0, INFINITY, MFD_P_MIN_OPEN, NULL, offsetof(T, lk.prob.alpha),                    \
     "scale of the small init"},                                                                                    \
    {"init_norm", MFD_P_CHOICE, "entry", 0, 0, 0, "entry|sqrt_n", offsetof(T, lk.init_norm),                        \
     "small init entries alpha N(0,1) (entry) or alpha N(0,1)/sqrt(n) (sqrt_n)"},                                   \
    {"g_ratio", MFD_P_REAL, G_RATIO, 0, INFINITY, MFD_P_MIN_OPEN, NULL, offsetof(T, lk.prob.g_ratio),              \
     "asym small and scaled init: scale of G0 (R0) relative to F0 (L0); [XDD24] use 1/3 for small"}

#define APP_LOWRANK_INPUT_KEYS(T, lk)                                                                               \
    {"mem_limit", MFD_P_REAL, "0", 0, INFINITY, MFD_P_OBSERVE, NULL, offsetof(T, lk.prob.mem_limit),               \
     "bytes a dense operator may take (0: half the machine's memory)"},                                            \
    {"target_file", MFD_P_STR, NULL, 0, 0, 0, NULL, offsetof(T, lk.target_file), "ground truth M* as an n1 x n2 .npy"}, \
    {"operator_file", MFD_P_STR, NULL, 0, 0, MFD_P_OPERATOR, NULL, offsetof(T, lk.operator_file),                  \
     "measurement matrices A_k as an (m, n1, n2) .npy; they replace the operator key's choice"},                   \
    {"y_file", MFD_P_STR, NULL, 0, 0, 0, NULL, offsetof(T, lk.y_file), "measurements as an (m,) .npy (needs target_file)"}

#define APP_LOWRANK_X0_KEY(T, lk)                                                                                   \
    {"x0_file", MFD_P_STR, NULL, 0, 0, 0, NULL, offsetof(T, lk.x0_file),                                            \
     "sym: initial X as an (n, k) .npy; implies init=file"}

/* The asymmetric factors' files under the program's names: F0KEY, G0KEY for
 * the factors it calls F, G. */
#define APP_LOWRANK_FACTOR_KEYS(T, lk, F0KEY, G0KEY, F, G)                                                          \
    {F0KEY, MFD_P_STR, NULL, 0, 0, 0, NULL, offsetof(T, lk.f0_file),                                                \
     "asym: initial " F " as an (n1, k) .npy; implies init=file"},                                                  \
    {G0KEY, MFD_P_STR, NULL, 0, 0, 0, NULL, offsetof(T, lk.g0_file),                                                \
     "asym: initial " G " as an (n2, k) .npy (with " F0KEY ")"}

#define APP_LOWRANK_SAVE_KEYS(T, save_final, save_inputs, F, G)                                                     \
    {"save_final", MFD_P_BOOL, "0", 0, 0, MFD_P_OBSERVE, NULL, offsetof(T, save_final),                             \
     "write final/X.npy (sym) or final/" F ".npy and final/" G ".npy (asym)"},                                      \
    {"save_inputs", MFD_P_BOOL, "0", 0, 0, MFD_P_OBSERVE, NULL, offsetof(T, save_inputs),                           \
     "write final/target.npy, y.npy, the initial factors and (if stored) operator.npy"}

/* Key names that differ between the programs (mfd-scaled calls F, G "L", "R"). */
typedef struct app_lowrank_names {
    const char *f0_file, *g0_file;
} app_lowrank_names;

/* A run's instance with what it read and what it watches. */
typedef struct app_lowrank {
    mfd_npy target_npy, op_npy, y_npy, x0_npy, g0_npy;
    mfd_lowrank *lr;
    mfd_sensediag *g;
    mfd_sensediag_track tr;
    const char **cols; /* trace columns of the diagnostics */
} app_lowrank;

/* model, operator, init and init_norm from their words (params: the program's
 * whole parameter struct, which holds lk).  Returns an exit code. */
int app_lowrank_words(const char *prog, mfd_param_table t, const void *params, app_lowrank_keys *lk);

/* Cross-key checks, the .npy inputs (the sizes they fix), then the
 * library's check of the values.  Returns an exit code. */
int app_lowrank_resolve(const char *prog, mfd_param_table t, const bool *given, const app_lowrank_names *names,
                        app_lowrank_keys *lk, app_lowrank *a);

/* What a method's check needs to know of the resolved problem. */
mfd_method_problem app_lowrank_method_problem(const app_lowrank_keys *lk);

/* Build the instance and its diagnostics, and record the resolved sizes,
 * operator and init in the keys (run.ini reports what ran). */
mfd_status app_lowrank_build(mfd_param_table t, void *params, app_lowrank_keys *lk, app_lowrank *a);

void app_lowrank_free(app_lowrank *a);

/* The diagnostics row at iteration t (a run loop's log_row). */
mfd_status app_lowrank_log_row(app_lowrank *a, long t, double *row);

/* The metadata that mfd-sense and mfd-scaled share, after the keys each adds
 * first (program, model, method, ...): sizes, m, kappa, the step, the seed
 * and the start time in the trace's header (meta); the random streams and
 * the noise level in run.ini (extra). */
mfd_status app_lowrank_meta(const app_lowrank *a, const app_lowrank_keys *lk, double eta, mfd_kv *meta,
                            mfd_kv *extra);

/* Summary columns every two-factor run has: sizes, errors, the final
 * diagnostics, the initialization's scale, noise and σ₁(M*). */
mfd_status app_lowrank_summary(const app_lowrank *a, mfd_kv *kv);

/* The factors as plain arrays for checkpoints and snapshots, under the
 * program's names (F, G: "F", "G" or "L", "R"; the symmetric "X"); returns
 * their number. */
size_t app_lowrank_factors(const app_lowrank *a, const char *F, const char *G, app_factor *f, size_t max);

/* What the two-factor run tracks (mfd_sensediag_track), into / from a checkpoint. */
void app_lowrank_save(const app_lowrank *a, mfd_ckpt_buf *b);
mfd_status app_lowrank_load(app_lowrank *a, mfd_ckpt_buf *b);

/* final/ files: the factors under their names (F, G: "F", "G" or "L", "R";
 * the symmetric X otherwise), and with inputs also the inputs. */
mfd_status app_lowrank_save_final(const app_lowrank *a, mfd_out *o, bool factors, bool inputs, const char *F,
                                  const char *G, char *err, size_t errlen);

/* The threads key's effect beyond app_start's: threads > 0 is the threads
 * of the operator passes too; 0 is one thread for them and one for BLAS
 * unless OPENBLAS_NUM_THREADS says otherwise (BLAS's products are n × k,
 * too small for a second thread). */
void app_lowrank_threads(long threads);

/* Once the operator is built, with threads = 0: a stored operator of at
 * least APP_OP_THREADS_MIN entries (m n1 n2) gets the cores there are for its
 * passes, MFD_THREADS_AVAILABLE of them when set (mfd run sets it: the job
 * slots left idle) but at most the online CPUs; since the threads split
 * each column by tiles in both halves, a second thread pays for one run from
 * about 5·10⁶ entries on the idle 2-core VM (README, Threads: 0.70–0.75 of
 * one thread's time at 5.4·10⁶, 1.2 times it at 3.1·10⁶, where the tiles
 * split unevenly; mfd_sensbatch_split_threads then keeps one).  The passes
 * give the same bits with any number of threads. */
#define APP_OP_THREADS_MIN 5e6
void app_lowrank_op_threads(long threads, const mfd_sensop *op);

#endif
