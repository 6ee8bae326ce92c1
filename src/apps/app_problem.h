/* app_problem.h — the low-rank recovery problems of mfd-sense and mfd-scaled,
 * built once from their keys: ground truth, measurement operator and
 * measurements (with noise), outliers for robust PCA, the two-factor model
 * and its initial factors, from keys or from .npy files.
 *
 * Randomness: target, operator, noise, mask, outliers and init each come
 * from their own stream of the run's seed, so two methods run on the same
 * problem with the same seed see the same instance. */
#ifndef APP_PROBLEM_H
#define APP_PROBLEM_H

#include <stdbool.h>
#include <stdint.h>

#include "mfd_npy.h"
#include "mfd_out.h"
#include "mfd_param.h"
#include "mfd_rpca.h"
#include "mfd_sense.h"
#include "mfd_sensediag.h"
#include "mfd_sensop.h"

enum { PROB_OP_AUTO, PROB_OP_IDENTITY, PROB_OP_GAUSSIAN, PROB_OP_GAUSSIAN_SYM, PROB_OP_GAUSSIAN_OTF,
       PROB_OP_GAUSSIAN_SYM_OTF, PROB_OP_FILE, PROB_OP_MASK };
enum { PROB_INIT_SMALL, PROB_INIT_SPECTRAL, PROB_INIT_BALANCED, PROB_INIT_SAME, PROB_INIT_SCALED, PROB_INIT_FILE };
extern const char *const app_problem_op_names[];

typedef struct app_problem_params {
    int symmetric;
    long n, n1, n2, k, r, m;
    double kappa;
    mfd_list spectrum;
    int rademacher, same_basis;   /* [TMC21]'s truth: Rademacher bases, V* = U* */
    int op;                       /* PROB_OP_* */
    double p;                     /* completion: observation probability */
    int sparse;                   /* completion: the sparse path */
    double outlier_frac, outlier_scale, rpca_alpha; /* robust PCA when outlier_frac > 0 */
    double snr_db;
    int init;                     /* PROB_INIT_* */
    double alpha, g_ratio;
    int init_per_sqrt_n;
    double gauge_cond;            /* P7: start from (F Q, G Q⁻ᵀ), cond(Q) = gauge_cond (1: none) */
    double mem_limit;
    uint64_t seed;
    const char *target_file, *operator_file, *y_file, *x0_file, *f0_file, *g0_file;
} app_problem_params;

/* Key names that differ between the programs (mfd-scaled calls F, G "L", "R"). */
typedef struct app_problem_names {
    const char *f0_file, *g0_file;
} app_problem_names;

typedef struct app_problem {
    size_t n1, n2, k, r, m;
    mfd_npy target_npy, op_npy, y_npy, x0_npy, g0_npy;
    mfd_sensop *op;
    double *y;
    double noise_std, sigma1;
    mfd_mat Ustar, Vstar, USstar; /* truth factors: M* = USstar Vstarᵀ */
    mfd_rpca *rpca;
    mfd_sense *s;
    mfd_sensediag *g;
    mfd_mat F0, G0;
    double f0_norm, g0_norm;
    double imb_init;          /* smallest |eigenvalue| of FᵀF − GᵀG at t = 0 (asym) */
    double imb_fro_init;      /* ‖FᵀF − GᵀG‖_F at t = 0 and its largest logged value, */
    double imb_fro_max;       /* both relative to ‖F‖_F² (asym) */
    const char **cols;        /* trace columns of the diagnostics */
} app_problem;

/* Cross-key checks and the sizes that come from files; fills in the
 * resolved values (run.ini records them).  Returns an exit code. */
int app_problem_resolve(const char *prog, app_problem_params *pp, app_problem *pb, mfd_param_table t,
                        const bool *given, const app_problem_names *names);

/* Build truth, operator, measurements, model, initial factors and the
 * diagnostics. */
mfd_status app_problem_build(app_problem_params *pp, app_problem *pb);

void app_problem_free(app_problem *pb);

/* The kind of operator the resolved op key builds. */
mfd_sensop_kind app_problem_op_kind(const app_problem_params *pp);

/* The diagnostics row at iteration t (a run loop's log_row). */
mfd_status app_problem_log_row(app_problem *pb, long t, double *row);

/* Summary columns every two-factor run has: sizes, errors, the final
 * diagnostics, the initialization's scale, noise and σ₁(M*). */
/* The metadata that mfd-sense and mfd-scaled share, after the keys each adds
 * first (program, model, method, ...): sizes, m, kappa, the step, the seed
 * and the start time in the trace's header (meta); the random streams and
 * the noise level in run.ini (extra). */
mfd_status app_problem_meta(const app_problem *pb, const app_problem_params *pp, double eta, mfd_kv *meta,
                            mfd_kv *extra);

mfd_status app_problem_summary(const app_problem *pb, mfd_kv *kv);

/* final/ files: the factors under their names (g_name NULL: symmetric),
 * and with inputs also the inputs. */
mfd_status app_problem_save_final(const app_problem *pb, mfd_out *o, bool factors, bool inputs, const char *f_name,
                                  const char *g_name, const char *f0_name, const char *g0_name, char *err,
                                  size_t errlen);


#endif
