/* mfd_mat and mfd_la: the small GEMM kernels against BLAS, and the LAPACK
 * wrappers against their defining identities. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mfd_la.h"
#include "mfd_mat.h"
#include "mfd_random.h"
#include "mfd_rng.h"
#include "mfd_small.h"
#include "testhelp.h"

/* Reference product entry by entry, straight from the definition. */
static void ref_gemm(char oa, char ob, double alpha, mfd_mat A, mfd_mat B, double beta, mfd_mat C)
{
    size_t m = C.rows, n = C.cols, k = oa == 'N' ? A.cols : A.rows;
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++) {
            double sr = 0, si = 0;
            for (size_t l = 0; l < k; l++) {
                const double *a = oa == 'N' ? mfd_mat_at(A, i, l) : mfd_mat_at(A, l, i);
                const double *b = ob == 'N' ? mfd_mat_at(B, l, j) : mfd_mat_at(B, j, l);
                double ar = a[0], ai = C.field == MFD_COMPLEX ? a[1] : 0;
                double br = b[0], bi = C.field == MFD_COMPLEX ? b[1] : 0;
                if (oa == 'C')
                    ai = -ai;
                if (ob == 'C')
                    bi = -bi;
                sr += ar * br - ai * bi;
                si += ar * bi + ai * br;
            }
            double *c = mfd_mat_at(C, i, j);
            c[0] = alpha * sr + (beta == 0 ? 0 : beta * c[0]);
            if (C.field == MFD_COMPLEX)
                c[1] = alpha * si + (beta == 0 ? 0 : beta * c[1]);
        }
}

/* A (allocated here) = G^H G - G G^H for a Gaussian n x n G: Hermitian and
 * indefinite, the Jacobi tests' matrix. */
static void indefinite(mfd_rng *r, mfd_field f, size_t n, mfd_mat *A)
{
    mfd_mat G;
    mfd_mat_alloc(f, n, n, &G);
    mfd_mat_alloc(f, n, n, A);
    mfd_random_gaussian(r, G, 1.0);
    mfd_la_gemm('C', 'N', 1.0, G, G, 0.0, *A);
    mfd_la_gemm('N', 'C', -1.0, G, G, 1.0, *A);
    mfd_mat_free(&G);
}

static void gemm_cases(mfd_field f, size_t m, size_t n, size_t k, mfd_rng *r)
{
    const char ops[3] = {'N', 'T', 'C'};
    for (int ia = 0; ia < 3; ia++)
        for (int ib = 0; ib < 3; ib++) {
            char oa = ops[ia], ob = ops[ib];
            /* leading dimensions larger than the rows, to exercise ld */
            size_t ar = oa == 'N' ? m : k, ac = oa == 'N' ? k : m;
            size_t br = ob == 'N' ? k : n, bc = ob == 'N' ? n : k;
            mfd_mat A, B, C, R;
            mfd_mat_alloc(f, ar + 2, ac, &A);
            mfd_mat_alloc(f, br + 1, bc, &B);
            mfd_mat_alloc(f, m + 3, n, &C);
            mfd_mat_alloc(f, m, n, &R);
            mfd_random_gaussian(r, A, 1.0);
            mfd_random_gaussian(r, B, 1.0);
            mfd_random_gaussian(r, C, 1.0);
            mfd_mat Av = mfd_mat_view(A.data, f, ar, ac, A.ld), Bv = mfd_mat_view(B.data, f, br, bc, B.ld);
            mfd_mat Cv = mfd_mat_view(C.data, f, m, n, C.ld);
            mfd_mat_copy(R, Cv);
            ref_gemm(oa, ob, 0.7, Av, Bv, -0.3, R);
            mfd_status st = mfd_la_gemm(oa, ob, 0.7, Av, Bv, -0.3, Cv);
            char name[128];
            snprintf(name, sizeof name, "gemm %s %c%c m=%zu n=%zu k=%zu matches the definition",
                     mfd_field_name(f), oa, ob, m, n, k);
            /* Each entry is a k-term sum of O(1) products: error <= 2k u per term scale. */
            double tol = 4.0 * (double)k * TH_U * 10;
            CHECK(name, st == MFD_OK && mfd_mat_maxabs_diff(Cv, R) <= tol);
            mfd_mat_free(&A);
            mfd_mat_free(&B);
            mfd_mat_free(&C);
            mfd_mat_free(&R);
        }
}

int main(void)
{
    mfd_rng r;
    mfd_rng_init(&r, 11, 99);
    /* small kernel (all <= MFD_LA_SMALL), BLAS path, and mixed shapes; then
     * the same small shapes through the plain loops (MFD_SMALL_KERNELS=plain) */
    for (int f = 1; f <= 2; f++) {
        gemm_cases((mfd_field)f, 2, 2, 2, &r);
        gemm_cases((mfd_field)f, 4, 4, 4, &r);
        gemm_cases((mfd_field)f, 3, 2, 4, &r);
        gemm_cases((mfd_field)f, 8, 8, 8, &r);
        gemm_cases((mfd_field)f, 9, 5, 12, &r);
        gemm_cases((mfd_field)f, 1, 17, 3, &r);
    }
    CHECK("an unknown small-kernel path is refused", mfd_small_set_path("avx9") == MFD_EINVAL);
    CHECK("the plain small-kernel path can be forced",
          mfd_small_set_path("plain") == MFD_OK && strcmp(mfd_small_path(), "plain") == 0);
    for (int f = 1; f <= 2; f++) {
        gemm_cases((mfd_field)f, 2, 2, 2, &r);
        gemm_cases((mfd_field)f, 4, 4, 4, &r);
        gemm_cases((mfd_field)f, 8, 8, 8, &r);
    }
    CHECK("the automatic path comes back", mfd_small_set_path("auto") == MFD_OK && strcmp(mfd_small_path(), "plain") != 0);

    /* OpenBLAS's generic fallback on a CPU it does not know: the core to ask for */
    {
        const char *c;
        CHECK("Prescott on an AVX-512 CPU: ask for SkylakeX",
              (c = mfd_la_blas_core_upgrade_for("Prescott", true, true)) && strcmp(c, "SkylakeX") == 0);
        CHECK("Prescott on an AVX2 and FMA CPU: ask for Haswell",
              (c = mfd_la_blas_core_upgrade_for("Prescott", true, false)) && strcmp(c, "Haswell") == 0);
        CHECK("Prescott on a CPU without AVX2: keep it", !mfd_la_blas_core_upgrade_for("Prescott", false, false));
        CHECK("a core OpenBLAS chose for the CPU is kept", !mfd_la_blas_core_upgrade_for("Haswell", true, true) &&
                                                              !mfd_la_blas_core_upgrade_for("Zen", true, false) &&
                                                              !mfd_la_blas_core_upgrade_for(NULL, true, true));
    }

    /* beta == 0 never reads C: NaN in C must not survive. */
    for (int f = 1; f <= 2; f++) {
        for (size_t d = 4; d <= 16; d += 12) {
            mfd_mat A, C;
            mfd_mat_alloc((mfd_field)f, d, d, &A);
            mfd_mat_alloc((mfd_field)f, d, d, &C);
            mfd_random_gaussian(&r, A, 1.0);
            for (size_t i = 0; i < mfd_mat_ndoubles(C); i++)
                C.data[i] = NAN;
            mfd_la_gemm('N', 'N', 1.0, A, A, 0.0, C);
            CHECK(f == 1 ? "gemm real with beta=0 ignores NaN in C" : "gemm complex with beta=0 ignores NaN in C",
                  mfd_mat_is_finite(C));
            mfd_mat_free(&A);
            mfd_mat_free(&C);
        }
    }

    /* shape mismatch is an error, not a crash */
    {
        mfd_mat A, B, C;
        mfd_mat_alloc(MFD_REAL, 3, 4, &A);
        mfd_mat_alloc(MFD_REAL, 5, 2, &B);
        mfd_mat_alloc(MFD_REAL, 3, 2, &C);
        CHECK("gemm with mismatched inner dimensions returns MFD_EINVAL",
              mfd_la_gemm('N', 'N', 1, A, B, 0, C) == MFD_EINVAL);
        CHECK("gemm with an unknown op returns MFD_EINVAL", mfd_la_gemm('X', 'N', 1, A, B, 0, C) == MFD_EINVAL);
        mfd_mat_free(&A);
        mfd_mat_free(&B);
        mfd_mat_free(&C);
    }

    /* SVD: A = U diag(s) VH, s descending; eigh: A V = V diag(w); LU solve; QR; Cholesky. */
    for (int f = 1; f <= 2; f++) {
        mfd_field fl = (mfd_field)f;
        size_t n = 7;
        mfd_la_ws ws;
        CHECK("workspace allocates", mfd_la_ws_alloc(fl, n, &ws) == MFD_OK);
        mfd_mat A, A0, U, VH, T;
        mfd_mat_alloc(fl, n, n, &A);
        mfd_mat_alloc(fl, n, n, &A0);
        mfd_mat_alloc(fl, n, n, &U);
        mfd_mat_alloc(fl, n, n, &VH);
        mfd_mat_alloc(fl, n, n, &T);
        double s[7], w[7];
        mfd_random_gaussian(&r, A0, 1.0);
        mfd_mat_copy(A, A0);
        CHECK("svd succeeds", mfd_la_svd(A, s, &U, &VH, &ws) == MFD_OK);
        int desc = 1;
        for (size_t i = 1; i < n; i++)
            desc = desc && s[i] <= s[i - 1];
        CHECK("svd values are descending", desc);
        for (size_t i = 0; i < n; i++)
            mfd_mat_scale(mfd_mat_view(mfd_mat_at(U, 0, i), fl, n, 1, n), s[i]);
        mfd_la_gemm('N', 'N', 1.0, U, VH, 0.0, T);
        /* backward stable: ‖A − U S VH‖ <= c n u ‖A‖ */
        CHECK_LE(f == 1 ? "svd reconstructs A (real)" : "svd reconstructs A (complex)",
                 mfd_mat_dist(T, A0) / s[0], 10.0 * (double)n * TH_U * 10);

        /* eigh of A0ᴴA0 */
        mfd_mat H;
        mfd_mat_alloc(fl, n, n, &H);
        mfd_la_gemm('C', 'N', 1.0, A0, A0, 0.0, H);
        mfd_mat_copy(T, H);
        CHECK("eigh succeeds", mfd_la_eigh(T, w, 1, &ws) == MFD_OK);
        /* eigenvalues of AᴴA are the squared singular values (ascending vs descending) */
        double maxdev = 0;
        for (size_t i = 0; i < n; i++)
            maxdev = fmax(maxdev, fabs(w[i] - s[n - 1 - i] * s[n - 1 - i]));
        CHECK_LE("eigh eigenvalues of A^H A equal the squared singular values", maxdev / (s[0] * s[0]),
                 100.0 * (double)n * TH_U);

        /* LU: solve A X = B and check A X = B */
        int ipiv[7];
        mfd_mat LU, X, B;
        mfd_mat_alloc(fl, n, n, &LU);
        mfd_mat_alloc(fl, n, 3, &X);
        mfd_mat_alloc(fl, n, 3, &B);
        mfd_random_gaussian(&r, B, 1.0);
        mfd_mat_copy(LU, A0);
        mfd_mat_copy(X, B);
        CHECK("lu succeeds", mfd_la_lu(LU, ipiv) == MFD_OK);
        CHECK("lu solve succeeds", mfd_la_lu_solve('N', LU, ipiv, X) == MFD_OK);
        mfd_mat AX;
        mfd_mat_alloc(fl, n, 3, &AX);
        mfd_la_gemm('N', 'N', 1.0, A0, X, 0.0, AX);
        double cond = s[0] / s[n - 1];
        CHECK_LE("lu solve residual is at rounding level", mfd_mat_dist(AX, B) / sqrt(mfd_mat_norm2(B)),
                 100.0 * (double)n * TH_U * cond);
        /* log|det| = sum log s_i */
        double la, sg, ref = 0;
        mfd_la_lu_logdet(LU, ipiv, &la, &sg);
        for (size_t i = 0; i < n; i++)
            ref += log(s[i]);
        CHECK_CLOSE("lu log|det| equals the sum of log singular values", la, ref, 1e-12);
        /* singular matrix: a zero column */
        mfd_mat_copy(LU, A0);
        for (size_t i = 0; i < n; i++)
            memset(mfd_mat_at(LU, i, 2), 0, mfd_field_width(fl) * sizeof(double));
        CHECK("lu of a singular matrix reports MFD_ENUMERIC", mfd_la_lu(LU, ipiv) == MFD_ENUMERIC);

        /* Cholesky of H = A0ᴴA0 (positive definite), then trsm: L⁻¹ H L⁻ᴴ = I */
        mfd_mat_copy(T, H);
        CHECK("cholesky of a positive definite matrix succeeds", mfd_la_cholesky(T) == MFD_OK);
        for (size_t j = 0; j < n; j++) /* clear the upper triangle that potrf left alone */
            for (size_t i = 0; i < j; i++)
                memset(mfd_mat_at(T, i, j), 0, mfd_field_width(fl) * sizeof(double));
        mfd_mat I;
        mfd_mat_alloc(fl, n, n, &I);
        mfd_mat_copy(I, H);
        mfd_la_trsm_lower('L', 'N', T, I);
        mfd_la_trsm_lower('R', 'C', T, I);
        mfd_mat E;
        mfd_mat_alloc(fl, n, n, &E);
        mfd_mat_set_identity(E, 1.0);
        CHECK_LE("trsm with the Cholesky factor whitens the matrix", mfd_mat_maxabs_diff(I, E),
                 100.0 * (double)n * TH_U * cond * cond);
        mfd_mat_copy(T, H);
        mfd_mat_at(T, 3, 3)[0] = -1.0; /* no longer positive definite */
        CHECK("cholesky of an indefinite matrix reports MFD_ENUMERIC", mfd_la_cholesky(T) == MFD_ENUMERIC);

        mfd_mat_free(&A);
        mfd_mat_free(&A0);
        mfd_mat_free(&U);
        mfd_mat_free(&VH);
        mfd_mat_free(&T);
        mfd_mat_free(&H);
        mfd_mat_free(&LU);
        mfd_mat_free(&X);
        mfd_mat_free(&B);
        mfd_mat_free(&AX);
        mfd_mat_free(&I);
        mfd_mat_free(&E);
        mfd_la_ws_free(&ws);
    }

    /* Haar draws are unitary: ‖QᴴQ − I‖_max <= c n u */
    for (int f = 1; f <= 2; f++)
        for (size_t n = 1; n <= 33; n += 16) {
            mfd_mat Q, G, I;
            mfd_mat_alloc((mfd_field)f, n, n, &Q);
            mfd_mat_alloc((mfd_field)f, n, n, &G);
            mfd_mat_alloc((mfd_field)f, n, n, &I);
            CHECK("haar draw succeeds", mfd_random_haar(&r, Q) == MFD_OK);
            mfd_la_gemm('C', 'N', 1.0, Q, Q, 0.0, G);
            mfd_mat_set_identity(I, 1.0);
            char name[96];
            snprintf(name, sizeof name, "haar %s n=%zu is unitary", mfd_field_name((mfd_field)f), n);
            CHECK_LE(name, mfd_mat_maxabs_diff(G, I), 10.0 * (double)n * TH_U + 1e-15);
            mfd_mat_free(&Q);
            mfd_mat_free(&G);
            mfd_mat_free(&I);
        }

    /* Haar first entry: E|Q_11|^2 = 1/n for a Haar unitary.  Over K draws the
     * sample mean has standard deviation <= 1/(n sqrt(K)); allow 5 of them. */
    {
        size_t n = 4, K = 4000;
        mfd_mat Q;
        mfd_mat_alloc(MFD_COMPLEX, n, n, &Q);
        double s = 0;
        for (size_t k = 0; k < K; k++) {
            mfd_random_haar(&r, Q);
            s += Q.data[0] * Q.data[0] + Q.data[1] * Q.data[1];
        }
        CHECK_CLOSE("haar complex: mean |Q_11|^2 = 1/n", s / (double)K, 1.0 / (double)n,
                    5.0 / ((double)n * sqrt((double)K)));
        mfd_mat_free(&Q);
    }
    /* Jacobi eigenvalues of small Hermitian matrices against LAPACK's:
     * both are backward stable, so they agree to a few u ‖A‖ (tolerance
     * 16 n u ‖A‖_F); n up to 8 (the monitors' d), then 16 to 33 (rounds of
     * more than JACOBI_CHUNK rotations, odd n with its dummy index), and at
     * scales 1e154 and 1e-160, where the unscaled sums of squares would
     * overflow and underflow, and 1e302 and 1e-303, near the ends of the
     * range, where the scaling takes ldexp instead of a product */
    const size_t sizes[] = {1, 2, 3, 4, 5, 6, 7, 8, 16, 17, 18, 33, 4, 5, 4, 5};
    const double scales[] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1e154, 1e-160, 1e302, 1e-303};
    for (int f = 1; f <= 2; f++)
        for (size_t c = 0; c < sizeof sizes / sizeof *sizes; c++) {
            size_t n = sizes[c];
            mfd_field fl = (mfd_field)f;
            mfd_mat A, B;
            indefinite(&r, fl, n, &A);
            mfd_mat_alloc(fl, n, n, &B);
            double fro = sqrt(mfd_mat_norm2(A)); /* before the scaling: at 1e154 its square would overflow */
            mfd_mat_scale(A, scales[c]);
            mfd_mat_copy(B, A);
            double w1[33], w2[33];
            mfd_la_ws ws;
            mfd_la_ws_alloc(fl, n, &ws);
            mfd_la_eigh(B, w2, 0, &ws);
            mfd_la_ws_free(&ws);
            mfd_mat_copy(B, A);
            int sweeps = mfd_small_eigvalsh(f == 2, n, B.data, B.ld, w1);
            double err = 0;
            for (size_t i = 0; i < n; i++)
                err = fmax(err, fabs(w1[i] - w2[i]));
            char name[128];
            snprintf(name, sizeof name, "Jacobi eigenvalues %s n=%zu at scale %g match LAPACK (%d sweeps)",
                     mfd_field_name(fl), n, scales[c], sweeps);
            CHECK_LE(name, err / scales[c], 16.0 * (double)n * TH_U * fro + 1e-300);
            mfd_mat_free(&A);
            mfd_mat_free(&B);
        }
    /* the scaling is exact: 2^k A has the eigenvalues 2^k λ to the bit,
     * through the product (|e| < 1000) and through ldexp (beyond) alike */
    const int shifts[] = {990, 1005, -990, -1005};
    for (int f = 1; f <= 2; f++) {
        const size_t n = 5;
        mfd_field fl = (mfd_field)f;
        mfd_mat A, B;
        indefinite(&r, fl, n, &A);
        mfd_mat_alloc(fl, n, n, &B);
        double w0[5], w[5];
        mfd_mat_copy(B, A);
        mfd_small_eigvalsh(f == 2, n, B.data, B.ld, w0);
        for (size_t s = 0; s < sizeof shifts / sizeof *shifts; s++) {
            mfd_mat_copy(B, A);
            mfd_mat_scale(B, ldexp(1.0, shifts[s])); /* 2^k is a double at these k */
            mfd_small_eigvalsh(f == 2, n, B.data, B.ld, w);
            int same = 1;
            for (size_t i = 0; i < n; i++)
                same = same && w[i] == ldexp(w0[i], shifts[s]);
            char name[128];
            snprintf(name, sizeof name, "Jacobi eigenvalues %s of 2^%d A are 2^%d times A's, to the bit",
                     mfd_field_name(fl), shifts[s], shifts[s]);
            CHECK(name, same);
        }
        mfd_mat_free(&A);
        mfd_mat_free(&B);
    }
    /* many at once: each matrix the bits and sweeps it gets alone, whatever
     * its neighbours (other scales, a zero matrix, a diagonal one that needs
     * no sweep, one near the bottom of the range), over more matrices than
     * one batch holds */
    for (int f = 1; f <= 2; f++) {
        const size_t ns[] = {1, 2, 3, 4, 5, 8};
        for (size_t c = 0; c < sizeof ns / sizeof *ns; c++) {
            enum { COUNT = MFD_SMALL_EIG_MANY + 3 };
            size_t n = ns[c];
            mfd_field fl = (mfd_field)f;
            mfd_mat A[COUNT], B[COUNT];
            double *pb[COUNT], *pw[COUNT], wa[COUNT][8], wb[COUNT][8];
            int sa[COUNT], sb[COUNT];
            for (size_t i = 0; i < COUNT; i++) {
                indefinite(&r, fl, n, &A[i]);
                if (i == 1)
                    mfd_mat_scale(A[i], 0.0);
                else if (i == 2)
                    for (size_t q = 0; q < n; q++)
                        for (size_t p = 0; p < n; p++)
                            for (size_t k = 0; p != q && k < (size_t)f; k++)
                                A[i].data[(size_t)f * (p + q * A[i].ld) + k] = 0.0;
                mfd_mat_scale(A[i], i == 4 ? 1e-300 : pow(10.0, (double)(i % 5) - 2.0));
                mfd_mat_alloc(fl, n, n, &B[i]);
                mfd_mat_copy(B[i], A[i]);
                sa[i] = mfd_small_eigvalsh(f == 2, n, B[i].data, B[i].ld, wa[i]);
                mfd_mat_copy(B[i], A[i]);
                pb[i] = B[i].data;
                pw[i] = wb[i];
            }
            mfd_small_eigvalsh_many(f == 2, n, COUNT, pb, B[0].ld, pw, sb);
            int same = 1, swept = 0;
            for (size_t i = 0; i < COUNT; i++) {
                same = same && sa[i] == sb[i] && memcmp(wa[i], wb[i], n * sizeof(double)) == 0;
                swept += sa[i];
                mfd_mat_free(&A[i]);
                mfd_mat_free(&B[i]);
            }
            char name[128];
            snprintf(name, sizeof name, "Jacobi on %d %s %zux%zu matrices at once: each the bits and sweeps alone",
                     COUNT, mfd_field_name(fl), n, n);
            CHECK(name, same && (n == 1 || swept > 0));
        }
    }
    TEST_REPORT();
}
