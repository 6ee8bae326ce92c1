/* mfd_sensediag.h — diagnostics of a sensing run at logged iterations
 * (THEORY.md §2), computed into preallocated workspace:
 *   loss, rel_err, err_abs (‖M − M*‖_F), the singular values of F (and G);
 *   the signal part: σ_max and σ_min of U*ᵀF (r × k);
 *   the excess part: ‖U*_⊥ᵀ F‖_F and ‖U*_⊥ᵀ F‖_op, with U*_⊥ᵀF formed as
 *     F − U*(U*ᵀF);
 *   alignment: sin of the largest principal angle between the top-r left
 *     singular subspace of F and U* (NaN when k < r);
 *   the same three for G against V* (asymmetric);
 *   the eigenvalues of the imbalance FᵀF − GᵀG, ascending, the smallest
 *   |eigenvalue| and the Frobenius norm (asymmetric).
 * U* and V* are the truth's top-r singular subspaces, given at allocation. */
#ifndef MFD_SENSEDIAG_H
#define MFD_SENSEDIAG_H

#include "mfd_ckpt.h"
#include "mfd_out.h"
#include "mfd_sense.h"

typedef struct mfd_sensediag {
    bool symmetric;
    size_t n1, n2, k, r;
    mfd_mat U, V; /* owned copies of U*, V* */
    /* results */
    double loss, rel_err, err_abs;
    double *svF, *svG, *imb;
    double sig_max[2], sig_min[2], exc_fro[2], exc_op[2], align_sin[2], imb_min_abs, imb_fro;
    /* workspace */
    mfd_la_ws ws;
    mfd_mat A, B, UF, VH, C;
    double *sv;
    mfd_strlist names; /* trace columns */
} mfd_sensediag;

mfd_status mfd_sensediag_alloc(const mfd_sense *s, mfd_mat Ustar, mfd_mat Vstar, mfd_sensediag **out);
void mfd_sensediag_free(mfd_sensediag *g);
mfd_status mfd_sensediag_compute(mfd_sensediag *g, const mfd_sense *s);
size_t mfd_sensediag_ncols(const mfd_sensediag *g);
const char *mfd_sensediag_name(const mfd_sensediag *g, size_t i);
void mfd_sensediag_row(const mfd_sensediag *g, double *row);

/* ‖F − G‖_F / ‖F‖_F: 0 when an asymmetric run is the symmetric one (S6);
 * NaN for the symmetric model or factors of different heights. */
double mfd_sensediag_fg_rel_diff(const mfd_sense *s);

/* What a run follows of the imbalance FᵀF − GᵀG over its logged iterations
 * (asymmetric; NaN otherwise): at t = 0 its smallest |eigenvalue| and its
 * Frobenius norm, and the largest Frobenius norm logged, both norms relative
 * to ‖F‖_F². */
typedef struct mfd_sensediag_track {
    double imb_init, imb_fro_init, imb_fro_max;
} mfd_sensediag_track;

void mfd_sensediag_track_init(mfd_sensediag_track *tr);

/* After mfd_sensediag_compute at the logged iteration t. */
void mfd_sensediag_track_update(mfd_sensediag_track *tr, const mfd_sensediag *g, const mfd_sense *s, long t);

/* The tracked values into / from a checkpoint. */
void mfd_sensediag_track_save(const mfd_sensediag_track *tr, mfd_ckpt_buf *b);
mfd_status mfd_sensediag_track_load(mfd_sensediag_track *tr, mfd_ckpt_buf *b);

#endif
