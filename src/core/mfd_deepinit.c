#include "mfd_deepinit.h"

#include <math.h>
#include <stdlib.h>

#include "mfd_la.h"
#include "mfd_random.h"

void mfd_deepinit_gaussian(mfd_deep *m, mfd_rng *r, double eps)
{
    for (int j = 1; j <= m->depth; j++)
        mfd_random_gaussian(r, mfd_deep_layer(m, j), eps);
}

void mfd_deepinit_gaussian_achl(mfd_deep *m, mfd_rng *r, double s)
{
    double per_layer = pow(s, 1.0 / m->depth);
    for (int j = 1; j <= m->depth; j++)
        mfd_random_gaussian(r, mfd_deep_layer(m, j), per_layer / sqrt((double)m->dims[j - 1]));
}

/* Scratch for the balanced constructions: k square d×d matrices plus a
 * singular-value vector. */
typedef struct scratch {
    mfd_mat mat[4];
    double *s;
} scratch;

static void scratch_free(scratch *sc)
{
    for (int i = 0; i < 4; i++)
        mfd_mat_free(&sc->mat[i]);
    free(sc->s);
}

static mfd_status scratch_alloc(scratch *sc, mfd_field f, size_t d)
{
    for (int i = 0; i < 4; i++)
        sc->mat[i].data = NULL;
    sc->s = malloc(d * sizeof(double));
    mfd_status st = sc->s ? MFD_OK : MFD_ENOMEM;
    for (int i = 0; i < 4 && st == MFD_OK; i++)
        st = mfd_mat_alloc(f, d, d, &sc->mat[i]);
    if (st != MFD_OK)
        scratch_free(sc);
    return st;
}

mfd_status mfd_deepinit_balanced_svd(mfd_deep *m, mfd_mat U, const double *s, mfd_mat VH)
{
    if (!mfd_deep_is_square(m))
        return MFD_EINVAL;
    size_t d = m->dims[0];
    int N = m->depth;
    if (U.rows != d || U.cols != d || VH.rows != d || VH.cols != d)
        return MFD_EINVAL;
    for (int j = 1; j <= N; j++) {
        mfd_mat W = mfd_deep_layer(m, j);
        if (j == 1)
            MFD_CHECK(mfd_mat_copy(W, VH));
        else if (j == N)
            MFD_CHECK(mfd_mat_copy(W, U));
        else
            mfd_mat_set_identity(W, 1.0);
        for (size_t i = 0; i < d; i++) {
            double root = pow(s[i], 1.0 / N);
            if (j == N) /* W_N = U diag(root): scale column i */
                mfd_mat_scale(mfd_mat_view(mfd_mat_at(W, 0, i), W.field, d, 1, d), root);
            else /* diag(root) VH or diag(root): scale row i */
                mfd_mat_scale(mfd_mat_view(mfd_mat_at(W, i, 0), W.field, 1, d, d), root);
        }
    }
    return MFD_OK;
}

/* Balanced layers from the SVD U S VH of A; with u0 > 0 every singular value
 * is replaced by u0 (the modes of A at strength u0). */
static mfd_status balanced_from_svd_of(mfd_deep *m, mfd_mat A, double u0)
{
    size_t d = m->dims[0];
    scratch sc;
    MFD_CHECK(scratch_alloc(&sc, m->field, d));
    mfd_la_ws ws;
    mfd_status st = mfd_la_ws_alloc(m->field, d, &ws);
    if (st == MFD_OK) {
        mfd_mat_copy(sc.mat[0], A);
        st = mfd_la_svd(sc.mat[0], sc.s, &sc.mat[1], &sc.mat[2], &ws);
        for (size_t i = 0; u0 > 0 && i < d; i++)
            sc.s[i] = u0;
        if (st == MFD_OK)
            st = mfd_deepinit_balanced_svd(m, sc.mat[1], sc.s, sc.mat[2]);
        mfd_la_ws_free(&ws);
    }
    scratch_free(&sc);
    return st;
}

mfd_status mfd_deepinit_balanced_from_product(mfd_deep *m, mfd_mat A)
{
    if (!mfd_deep_is_square(m) || A.rows != m->dims[0] || A.cols != m->dims[0] || A.field != m->field)
        return MFD_EINVAL;
    return balanced_from_svd_of(m, A, 0.0);
}

mfd_status mfd_deepinit_decoupled(mfd_deep *m, double u0)
{
    if (!mfd_deep_is_square(m) || !(u0 > 0))
        return MFD_EINVAL;
    return balanced_from_svd_of(m, m->target, u0);
}

mfd_status mfd_deepinit_balanced_gaussian(mfd_deep *m, mfd_rng *r, double eps)
{
    if (!mfd_deep_is_square(m))
        return MFD_EINVAL;
    size_t d = m->dims[0];
    int N = m->depth;
    scratch sc; /* mat[0] = G then U, mat[1] = VH, mat[2] = (GᴴG)^{1/2}, mat[3] = Q_j */
    MFD_CHECK(scratch_alloc(&sc, m->field, d));
    mfd_mat G = sc.mat[0], VH = sc.mat[1], M = sc.mat[2], Q = sc.mat[3], Uu;
    mfd_la_ws ws;
    mfd_status st = mfd_la_ws_alloc(m->field, d, &ws);
    if (st != MFD_OK)
        goto free_scratch;
    if ((st = mfd_mat_alloc(m->field, d, d, &Uu)) != MFD_OK)
        goto free_ws;
    mfd_random_gaussian(r, G, 1.0);
    /* (GᴴG)^{1/2} = V S Vᴴ from G = U S Vᴴ: accurate even for small singular values. */
    if ((st = mfd_la_svd(G, sc.s, &Uu, &VH, &ws)) != MFD_OK)
        goto free_u;
    mfd_mat_copy(Uu, VH); /* Uu = S VH */
    for (size_t i = 0; i < d; i++)
        mfd_mat_scale(mfd_mat_view(mfd_mat_at(Uu, i, 0), m->field, 1, d, d), sc.s[i]);
    if ((st = mfd_la_gemm('C', 'N', 1.0, VH, Uu, 0.0, M)) != MFD_OK)
        goto free_u;
    /* Q_0 into Q; then for each layer W_j = eps Q_j M Q_{j−1}ᴴ. */
    if ((st = mfd_random_haar(r, Q)) != MFD_OK)
        goto free_u;
    for (int j = 1; j <= N && st == MFD_OK; j++) {
        mfd_mat W = mfd_deep_layer(m, j);
        /* W = M Q_{j−1}ᴴ (temporarily), then W = Q_j W: Uu holds Q_j. */
        if ((st = mfd_la_gemm('N', 'C', 1.0, M, Q, 0.0, G)) != MFD_OK)
            break;
        if ((st = mfd_random_haar(r, Uu)) != MFD_OK)
            break;
        if ((st = mfd_la_gemm('N', 'N', eps, Uu, G, 0.0, W)) != MFD_OK)
            break;
        mfd_mat_copy(Q, Uu);
    }
free_u:
    mfd_mat_free(&Uu);
free_ws:
    mfd_la_ws_free(&ws);
free_scratch:
    scratch_free(&sc);
    return st;
}

mfd_status mfd_deepinit_identity(mfd_deep *m, double alpha)
{
    if (!mfd_deep_is_square(m) || !(alpha > 0))
        return MFD_EINVAL;
    double root = pow(alpha, 1.0 / m->depth);
    for (int j = 1; j <= m->depth; j++)
        mfd_mat_set_identity(mfd_deep_layer(m, j), root);
    return MFD_OK;
}

mfd_status mfd_deepinit_orthogonal(mfd_deep *m, mfd_rng *r, double scale)
{
    if (!mfd_deep_is_square(m))
        return MFD_EINVAL;
    for (int j = 1; j <= m->depth; j++) {
        mfd_mat W = mfd_deep_layer(m, j);
        MFD_CHECK(mfd_random_haar(r, W));
        mfd_mat_scale(W, scale);
    }
    return MFD_OK;
}
