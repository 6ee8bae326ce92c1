#include "mfd_small.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Set once by mfd_small_set_path before any product, then only read. */
static bool force_plain = false;
static bool no_avx512 = false; /* "avx2": lock-step ensembles without AVX-512 */

mfd_status mfd_small_set_path(const char *name)
{
    if (strcmp(name, "auto") == 0)
        force_plain = no_avx512 = false;
    else if (strcmp(name, "avx2") == 0)
        force_plain = false, no_avx512 = true;
    else if (strcmp(name, "plain") == 0)
        force_plain = no_avx512 = true;
    else
        return MFD_EINVAL;
    return MFD_OK;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define MFD_SMALL_X86 1
#include <immintrin.h>
#endif

/* Column j of C = beta * column j of C, treating beta == 0 as "overwrite"
 * so that uninitialised memory (or a NaN) in C never leaks into the result. */
static void scale_column(double *c, size_t len, double beta)
{
    if (beta == 0.0) {
        for (size_t i = 0; i < len; i++)
            c[i] = 0.0;
    } else if (beta != 1.0) {
        for (size_t i = 0; i < len; i++)
            c[i] *= beta;
    }
}

static void generic_dgemm(char opa, char opb, size_t m, size_t n, size_t k, double alpha, const double *A,
                     size_t lda, const double *B, size_t ldb, double beta, double *C, size_t ldc)
{
    bool ta = opa != 'N', tb = opb != 'N';
    for (size_t j = 0; j < n; j++) {
        double *c = C + j * ldc;
        scale_column(c, m, beta);
        if (!ta) {
            /* c += sum_l A(:, l) * op(B)(l, j): unit-stride updates of c. */
            for (size_t l = 0; l < k; l++) {
                double b = alpha * (tb ? B[j + l * ldb] : B[l + j * ldb]);
                const double *a = A + l * lda;
                for (size_t i = 0; i < m; i++)
                    c[i] += a[i] * b;
            }
        } else {
            /* c(i) += A(:, i) . op(B)(:, j): unit-stride dot products. */
            for (size_t i = 0; i < m; i++) {
                const double *a = A + i * lda;
                double s = 0.0;
                if (!tb) {
                    const double *b = B + j * ldb;
                    for (size_t l = 0; l < k; l++)
                        s += a[l] * b[l];
                } else {
                    for (size_t l = 0; l < k; l++)
                        s += a[l] * B[j + l * ldb];
                }
                c[i] += alpha * s;
            }
        }
    }
}

static void generic_zgemm(char opa, char opb, size_t m, size_t n, size_t k, double alpha, const double *A,
                     size_t lda, const double *B, size_t ldb, double beta, double *C, size_t ldc)
{
    bool ta = opa != 'N', tb = opb != 'N';
    double ca = opa == 'C' ? -1.0 : 1.0; /* sign applied to Im of A's entries */
    double cb = opb == 'C' ? -1.0 : 1.0;
    for (size_t j = 0; j < n; j++) {
        double *c = C + 2 * j * ldc;
        scale_column(c, 2 * m, beta);
        for (size_t l = 0; l < k; l++) {
            const double *bp = tb ? B + 2 * (j + l * ldb) : B + 2 * (l + j * ldb);
            double br = alpha * bp[0], bi = alpha * cb * bp[1];
            if (!ta) {
                const double *a = A + 2 * l * lda;
                for (size_t i = 0; i < m; i++) {
                    double ar = a[2 * i], ai = a[2 * i + 1];
                    c[2 * i] += ar * br - ai * bi;
                    c[2 * i + 1] += ar * bi + ai * br;
                }
            } else {
                for (size_t i = 0; i < m; i++) {
                    const double *a = A + 2 * (l + i * lda);
                    double ar = a[0], ai = ca * a[1];
                    c[2 * i] += ar * br - ai * bi;
                    c[2 * i + 1] += ar * bi + ai * br;
                }
            }
        }
    }
}

/* ---- square d x d products for d = 2, 4, 8 with AVX2 and FMA ------------
 *
 * A deep model's step at d <= 8 is 9 to 21 such products; with the loops
 * above their cost is mostly loop control, with BLAS mostly call overhead.
 * These kernels are fully unrolled for a constant d (always_inline into one
 * function per d) and use the FMA units.  A enters un-transposed: an
 * op(A) = Aᵀ or Aᴴ is first copied into a local d x d buffer.  B's entries are
 * broadcast, so op(B) is only a pair of strides (and a sign for conj). */
#ifdef MFD_SMALL_X86
#define MFD_TARGET __attribute__((target("avx2,fma")))
#define MFD_INLINE __attribute__((always_inline)) inline

/* dst (d x d complex, ld = d) = Aᵀ or Aᴴ: one complex entry (a 128-bit
 * lane) at a time, the conjugate by flipping the sign bit of Im. */
static MFD_TARGET MFD_INLINE void ztranspose(double *dst, const double *A, size_t lda, const int d, bool conj)
{
    const __m128d flip = _mm_set_pd(conj ? -0.0 : 0.0, 0.0);
    for (int j = 0; j < d; j++)
        for (int i = 0; i < d; i++)
            _mm_storeu_pd(dst + 2 * (i + j * d), _mm_xor_pd(_mm_loadu_pd(A + 2 * ((size_t)j + (size_t)i * lda)), flip));
}

/* dst (d x d, ld = d) = Aᵀ for real A, d in {4, 8}: 4 x 4 blocks transposed
 * in registers (unpack + permute), 4 loads and 4 stores per block. */
static MFD_TARGET MFD_INLINE void dtranspose(double *dst, const double *A, size_t lda, const int d)
{
    for (int bj = 0; bj < d; bj += 4)
        for (int bi = 0; bi < d; bi += 4) {
            const double *s = A + (size_t)bi + (size_t)bj * lda; /* block rows bi.., columns bj.. */
            __m256d r0 = _mm256_loadu_pd(s), r1 = _mm256_loadu_pd(s + lda);
            __m256d r2 = _mm256_loadu_pd(s + 2 * lda), r3 = _mm256_loadu_pd(s + 3 * lda);
            __m256d t0 = _mm256_unpacklo_pd(r0, r1), t1 = _mm256_unpackhi_pd(r0, r1);
            __m256d t2 = _mm256_unpacklo_pd(r2, r3), t3 = _mm256_unpackhi_pd(r2, r3);
            double *t = dst + bj + bi * d; /* lands at rows bj.., columns bi.. */
            _mm256_storeu_pd(t, _mm256_permute2f128_pd(t0, t2, 0x20));
            _mm256_storeu_pd(t + d, _mm256_permute2f128_pd(t1, t3, 0x20));
            _mm256_storeu_pd(t + 2 * d, _mm256_permute2f128_pd(t0, t2, 0x31));
            _mm256_storeu_pd(t + 3 * d, _mm256_permute2f128_pd(t1, t3, 0x31));
        }
}

/* Real: C = alpha A op(B) + beta C, d in {4, 8}; op(B) = Bᵀ when tb.  d and
 * tb are compile-time constants in every caller, so B's addresses are a few
 * base registers plus immediate offsets. */
static MFD_TARGET MFD_INLINE void dk(const int d, const bool tb, double alpha, const double *A, size_t lda,
                                     const double *B, size_t ldb, double beta, double *C, size_t ldc)
{
    const int nv = d / 4; /* ymm registers per column */
    const __m256d va = _mm256_set1_pd(alpha), vb = _mm256_set1_pd(beta);
    for (int j0 = 0; j0 < d; j0 += 4) {
        __m256d acc[4][2];
        for (int jj = 0; jj < 4; jj++)
            for (int v = 0; v < nv; v++)
                acc[jj][v] = _mm256_setzero_pd();
        /* op(B)(l, j0 + jj): column pointers (N) or one row pointer per l (T) */
        const double *bcol[4];
        for (int jj = 0; jj < 4; jj++)
            bcol[jj] = tb ? B + j0 + jj : B + (size_t)(j0 + jj) * ldb;
        for (int l = 0; l < d; l++) {
            __m256d a[2];
            for (int v = 0; v < nv; v++)
                a[v] = _mm256_loadu_pd(A + (size_t)l * lda + 4 * v);
            for (int jj = 0; jj < 4; jj++) {
                __m256d b = _mm256_broadcast_sd(tb ? bcol[jj] + (size_t)l * ldb : bcol[jj] + l);
                for (int v = 0; v < nv; v++)
                    acc[jj][v] = _mm256_fmadd_pd(a[v], b, acc[jj][v]);
            }
        }
        for (int jj = 0; jj < 4; jj++)
            for (int v = 0; v < nv; v++) {
                double *c = C + (size_t)(j0 + jj) * ldc + 4 * v;
                __m256d r = _mm256_mul_pd(va, acc[jj][v]);
                if (beta != 0.0)
                    r = _mm256_fmadd_pd(vb, _mm256_loadu_pd(c), r);
                _mm256_storeu_pd(c, r);
            }
    }
}

/* Complex: C = alpha A op(B) + beta C, d in {2, 4, 8}; op(B) is Bᵀ (or Bᴴ
 * with conj_b) when tb.  Each product a * b splits into a * Re b +
 * swap(a) * Im b, summed in two accumulators and joined by one addsub. */
static MFD_TARGET MFD_INLINE void zk(const int d, const bool tb, double alpha, const double *A, size_t lda,
                                     const double *B, size_t ldb, bool conj_b, double beta, double *C, size_t ldc)
{
    const size_t sl = tb ? ldb : 1, sj = tb ? 1 : ldb;
    const int nv = d / 2; /* ymm registers per column: 2 complex entries each */
    const double sgn = conj_b ? -1.0 : 1.0;
    const __m256d va = _mm256_set1_pd(alpha), vb = _mm256_set1_pd(beta);
    __m256d aswap[8 * 4]; /* swap(A) for all columns: 8 x 4 registers at most */
    for (int l = 0; l < d; l++)
        for (int v = 0; v < nv; v++)
            aswap[l * nv + v] = _mm256_permute_pd(_mm256_loadu_pd(A + 2 * (size_t)l * lda + 4 * v), 0x5);
    for (int j = 0; j < d; j++) {
        __m256d re[4], im[4];
        for (int v = 0; v < nv; v++)
            re[v] = im[v] = _mm256_setzero_pd();
        for (int l = 0; l < d; l++) {
            const double *b = B + 2 * ((size_t)l * sl + (size_t)j * sj);
            __m256d br = _mm256_set1_pd(b[0]), bi = _mm256_set1_pd(sgn * b[1]);
            for (int v = 0; v < nv; v++) {
                re[v] = _mm256_fmadd_pd(_mm256_loadu_pd(A + 2 * (size_t)l * lda + 4 * v), br, re[v]);
                im[v] = _mm256_fmadd_pd(aswap[l * nv + v], bi, im[v]);
            }
        }
        for (int v = 0; v < nv; v++) {
            double *c = C + 2 * (size_t)j * ldc + 4 * v;
            __m256d r = _mm256_mul_pd(va, _mm256_addsub_pd(re[v], im[v]));
            if (beta != 0.0)
                r = _mm256_fmadd_pd(vb, _mm256_loadu_pd(c), r);
            _mm256_storeu_pd(c, r);
        }
    }
}

/* The entry points: every (d, op(B)) case calls the inline kernel with
 * constants, so each gets its own fully unrolled copy.  The real one also
 * transposes A when op(A) is Aᵀ. */
static MFD_TARGET void dk_fixed(int d, bool ta, bool tb, double al, const double *A, size_t lda, const double *B,
                                size_t ldb, double be, double *C, size_t ldc)
{
    double at[64];
    if (ta) {
        if (d == 4)
            dtranspose(at, A, lda, 4);
        else
            dtranspose(at, A, lda, 8);
        A = at;
        lda = (size_t)d;
    }
    switch (2 * d + tb) {
    case 8: dk(4, false, al, A, lda, B, ldb, be, C, ldc); break;
    case 9: dk(4, true, al, A, lda, B, ldb, be, C, ldc); break;
    case 16: dk(8, false, al, A, lda, B, ldb, be, C, ldc); break;
    default: dk(8, true, al, A, lda, B, ldb, be, C, ldc); break;
    }
}

static MFD_TARGET void zk_fixed(int d, bool tb, double al, const double *A, size_t lda, const double *B, size_t ldb,
                                bool cb, double be, double *C, size_t ldc)
{
    switch (2 * d + tb) {
    case 4: zk(2, false, al, A, lda, B, ldb, cb, be, C, ldc); break;
    case 5: zk(2, true, al, A, lda, B, ldb, cb, be, C, ldc); break;
    case 8: zk(4, false, al, A, lda, B, ldb, cb, be, C, ldc); break;
    case 9: zk(4, true, al, A, lda, B, ldb, cb, be, C, ldc); break;
    case 16: zk(8, false, al, A, lda, B, ldb, cb, be, C, ldc); break;
    default: zk(8, true, al, A, lda, B, ldb, cb, be, C, ldc); break;
    }
}

static MFD_TARGET void ztranspose_any(double *dst, const double *A, size_t lda, int d, bool conj)
{
    if (d == 2)
        ztranspose(dst, A, lda, 2, conj);
    else if (d == 4)
        ztranspose(dst, A, lda, 4, conj);
    else
        ztranspose(dst, A, lda, 8, conj);
}

static bool have_avx2_fma(void)
{
    static int cached = -1; /* set once; the answer never changes within a process */
    if (cached < 0) {
        __builtin_cpu_init();
        cached = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    }
    return cached != 0;
}
#endif

/* ---- the canonical square product, d <= 8 -----------------------------
 *
 * Every square product of size d <= MFD_SMALL_CANON computes each entry of C
 * by one and the same sequence of roundings, whichever code runs it (the
 * AVX2 kernels above, the scalar code below with or without the FMA
 * instruction, and the lock-step ensembles of mfd_deepens, which step many
 * runs in SIMD lanes and must give each run the bits it has alone):
 *
 *   real:    acc = +0; for l = 0, 1, ..., d-1: acc = fma(op(A)(i,l), op(B)(l,j), acc)
 *            r = alpha acc; if beta != 0: r = fma(beta, C(i,j), r); C(i,j) = r
 *   complex: with (ar, ai) = op(A)(i,l) and (br, bi) = op(B)(l,j), four chains from +0:
 *            rr = fma(ar, br, rr), ii = fma(ai, bi, ii), ri = fma(ai, br, ri), ir = fma(ar, bi, ir);
 *            then re = alpha (rr - ii), im = alpha (ri + ir), and beta as above on each part.
 *
 * A conjugate op(A) = Aᴴ negates Im A (a sign flip); a conjugate op(B) = Bᴴ
 * multiplies Im B by -1.  fma() is exact-then-rounded on every CPU (C99), so
 * these products have the same bits everywhere; a CPU without the FMA
 * instruction computes them in software, more slowly. */
#define MFD_SMALL_ALWAYS_INLINE __attribute__((always_inline)) inline

static MFD_SMALL_ALWAYS_INLINE void canon_d(const int d, const bool ta, const bool tb, double alpha, const double *A,
                                            size_t lda, const double *B, size_t ldb, double beta, double *C,
                                            size_t ldc)
{
    for (int j = 0; j < d; j++)
        for (int i = 0; i < d; i++) {
            double acc = 0.0;
            for (int l = 0; l < d; l++) {
                double a = ta ? A[(size_t)l + (size_t)i * lda] : A[(size_t)i + (size_t)l * lda];
                double b = tb ? B[(size_t)j + (size_t)l * ldb] : B[(size_t)l + (size_t)j * ldb];
                acc = fma(a, b, acc);
            }
            double *c = C + (size_t)i + (size_t)j * ldc;
            double r = alpha * acc;
            if (beta != 0.0)
                r = fma(beta, *c, r);
            *c = r;
        }
}

static MFD_SMALL_ALWAYS_INLINE void canon_z(const int d, const bool ta, const bool ca, const bool tb, double sgnb,
                                            double alpha, const double *A, size_t lda, const double *B, size_t ldb,
                                            double beta, double *C, size_t ldc)
{
    for (int j = 0; j < d; j++)
        for (int i = 0; i < d; i++) {
            double rr = 0.0, ii = 0.0, ri = 0.0, ir = 0.0;
            for (int l = 0; l < d; l++) {
                const double *pa = ta ? A + 2 * ((size_t)l + (size_t)i * lda) : A + 2 * ((size_t)i + (size_t)l * lda);
                const double *pb = tb ? B + 2 * ((size_t)j + (size_t)l * ldb) : B + 2 * ((size_t)l + (size_t)j * ldb);
                double ar = pa[0], ai = ca ? -pa[1] : pa[1], br = pb[0], bi = sgnb * pb[1];
                rr = fma(ar, br, rr);
                ii = fma(ai, bi, ii);
                ri = fma(ai, br, ri);
                ir = fma(ar, bi, ir);
            }
            double *c = C + 2 * ((size_t)i + (size_t)j * ldc);
            double re = alpha * (rr - ii), im = alpha * (ri + ir);
            if (beta != 0.0) {
                re = fma(beta, c[0], re);
                im = fma(beta, c[1], im);
            }
            c[0] = re;
            c[1] = im;
        }
}

/* One copy per size d (a constant, so the loops unroll), inlined into each
 * of the two entry points below: the fma one runs where the CPU has the FMA
 * instruction, the portable one everywhere else (and for
 * MFD_SMALL_KERNELS=plain).  The same source, hence the same bits. */
static MFD_SMALL_ALWAYS_INLINE void canon_dgemm_any(int d, bool ta, bool tb, double al, const double *A, size_t lda,
                                                    const double *B, size_t ldb, double be, double *C, size_t ldc)
{
    switch (d) {
    case 1: canon_d(1, ta, tb, al, A, lda, B, ldb, be, C, ldc); break;
    case 2: canon_d(2, ta, tb, al, A, lda, B, ldb, be, C, ldc); break;
    case 3: canon_d(3, ta, tb, al, A, lda, B, ldb, be, C, ldc); break;
    case 4: canon_d(4, ta, tb, al, A, lda, B, ldb, be, C, ldc); break;
    case 5: canon_d(5, ta, tb, al, A, lda, B, ldb, be, C, ldc); break;
    case 6: canon_d(6, ta, tb, al, A, lda, B, ldb, be, C, ldc); break;
    case 7: canon_d(7, ta, tb, al, A, lda, B, ldb, be, C, ldc); break;
    default: canon_d(8, ta, tb, al, A, lda, B, ldb, be, C, ldc); break;
    }
}

static MFD_SMALL_ALWAYS_INLINE void canon_zgemm_any(int d, bool ta, bool ca, bool tb, double sgnb, double al,
                                                    const double *A, size_t lda, const double *B, size_t ldb,
                                                    double be, double *C, size_t ldc)
{
    switch (d) {
    case 1: canon_z(1, ta, ca, tb, sgnb, al, A, lda, B, ldb, be, C, ldc); break;
    case 2: canon_z(2, ta, ca, tb, sgnb, al, A, lda, B, ldb, be, C, ldc); break;
    case 3: canon_z(3, ta, ca, tb, sgnb, al, A, lda, B, ldb, be, C, ldc); break;
    case 4: canon_z(4, ta, ca, tb, sgnb, al, A, lda, B, ldb, be, C, ldc); break;
    case 5: canon_z(5, ta, ca, tb, sgnb, al, A, lda, B, ldb, be, C, ldc); break;
    case 6: canon_z(6, ta, ca, tb, sgnb, al, A, lda, B, ldb, be, C, ldc); break;
    case 7: canon_z(7, ta, ca, tb, sgnb, al, A, lda, B, ldb, be, C, ldc); break;
    default: canon_z(8, ta, ca, tb, sgnb, al, A, lda, B, ldb, be, C, ldc); break;
    }
}

static void canon_dgemm_portable(int d, bool ta, bool tb, double al, const double *A, size_t lda, const double *B,
                                 size_t ldb, double be, double *C, size_t ldc)
{
    canon_dgemm_any(d, ta, tb, al, A, lda, B, ldb, be, C, ldc);
}

static void canon_zgemm_portable(int d, bool ta, bool ca, bool tb, double sgnb, double al, const double *A,
                                 size_t lda, const double *B, size_t ldb, double be, double *C, size_t ldc)
{
    canon_zgemm_any(d, ta, ca, tb, sgnb, al, A, lda, B, ldb, be, C, ldc);
}

#ifdef MFD_SMALL_X86
static __attribute__((target("fma"))) void canon_dgemm_fma(int d, bool ta, bool tb, double al, const double *A,
                                                           size_t lda, const double *B, size_t ldb, double be,
                                                           double *C, size_t ldc)
{
    canon_dgemm_any(d, ta, tb, al, A, lda, B, ldb, be, C, ldc);
}

static __attribute__((target("fma"))) void canon_zgemm_fma(int d, bool ta, bool ca, bool tb, double sgnb, double al,
                                                           const double *A, size_t lda, const double *B, size_t ldb,
                                                           double be, double *C, size_t ldc)
{
    canon_zgemm_any(d, ta, ca, tb, sgnb, al, A, lda, B, ldb, be, C, ldc);
}

static bool have_fma(void)
{
    static int cached = -1; /* set once; the answer never changes within a process */
    if (cached < 0) {
        __builtin_cpu_init();
        cached = __builtin_cpu_supports("fma");
    }
    return cached != 0;
}
#endif

void mfd_small_dgemm(char opa, char opb, size_t m, size_t n, size_t k, double alpha, const double *A, size_t lda,
                     const double *B, size_t ldb, double beta, double *C, size_t ldc)
{
    if (m == n && n == k && m <= MFD_SMALL_CANON) {
        bool ta = opa != 'N', tb = opb != 'N';
#ifdef MFD_SMALL_X86
        if (!force_plain && (m == 4 || m == 8) && have_avx2_fma()) {
            dk_fixed((int)m, ta, tb, alpha, A, lda, B, ldb, beta, C, ldc);
            return;
        }
        if (!force_plain && have_fma()) {
            canon_dgemm_fma((int)m, ta, tb, alpha, A, lda, B, ldb, beta, C, ldc);
            return;
        }
#endif
        canon_dgemm_portable((int)m, ta, tb, alpha, A, lda, B, ldb, beta, C, ldc);
        return;
    }
    generic_dgemm(opa, opb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);
}

void mfd_small_zgemm(char opa, char opb, size_t m, size_t n, size_t k, double alpha, const double *A, size_t lda,
                     const double *B, size_t ldb, double beta, double *C, size_t ldc)
{
    if (m == n && n == k && m <= MFD_SMALL_CANON) {
        bool ta = opa != 'N', ca = opa == 'C', tb = opb != 'N';
        double sgnb = opb == 'C' ? -1.0 : 1.0;
#ifdef MFD_SMALL_X86
        if (!force_plain && (m == 2 || m == 4 || m == 8) && have_avx2_fma()) {
            double at[128];
            if (ta) {
                ztranspose_any(at, A, lda, (int)m, ca);
                A = at;
                lda = m;
            }
            zk_fixed((int)m, tb, alpha, A, lda, B, ldb, opb == 'C', beta, C, ldc);
            return;
        }
        if (!force_plain && have_fma()) {
            canon_zgemm_fma((int)m, ta, ca, tb, sgnb, alpha, A, lda, B, ldb, beta, C, ldc);
            return;
        }
#endif
        canon_zgemm_portable((int)m, ta, ca, tb, sgnb, alpha, A, lda, B, ldb, beta, C, ldc);
        return;
    }
    generic_zgemm(opa, opb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);
}

int mfd_small_simd_width(void)
{
    if (force_plain)
        return 1;
#ifdef MFD_SMALL_X86
    if (!no_avx512 && have_avx2_fma() && __builtin_cpu_supports("avx512f"))
        return 8;
    if (have_avx2_fma())
        return 4;
#endif
    return 1;
}

const char *mfd_small_path(void)
{
    if (force_plain)
        return "plain";
#ifdef MFD_SMALL_X86
    if (have_avx2_fma())
        return "avx2";
#endif
    return "auto-noavx2";
}

/* ---- eigenvalues of a small Hermitian matrix (Jacobi) --------------------
 *
 * A rotation in the (p, q) plane zeroes a_pq: with a_pq = r e^{i phi} (real
 * matrices: r signed, phi = 0), scaling column q by e^{-i phi} makes it r,
 * then the real rotation c = 1/sqrt(1 + t^2), s = t c with
 * t = sign(h) 2r / (|h| + sqrt(h^2 + 4 r^2)), h = a_qq - a_pp
 * (the smaller root of t^2 + 2 theta t - 1 = 0, theta = h / (2r), written
 * without theta so that fewer square roots and divisions wait on one
 * another; the angle stays below pi/4) gives a_pp -= t r, a_qq += t r, and
 * for k != p, q
 * a_kp <- c a_kp - s e^{-i phi} a_kq,  a_kq <- s a_kp + c e^{-i phi} a_kq.
 *
 * Order: round robin (the circle method).  A sweep is m - 1 rounds (m = n,
 * or n + 1 with a dummy index when n is odd) of m/2 disjoint pairs.  A
 * rotation changes rows and columns p and q only, so within a round no
 * rotation changes another's a_pp, a_qq, a_pq: the parameters of up to
 * JACOBI_CHUNK rotations of a round are computed first, together (their
 * square roots and divisions overlap in the pipeline instead of waiting for
 * the previous rotation), then applied in turn.  Convergence is quadratic as
 * for the cyclic order. */
#define JACOBI_CHUNK 8 /* the parameters computed at a time */

typedef struct jacobi_rot {
    size_t p, q;
    double r, t, c, s, ur, ui; /* ur + i ui = e^{-i phi} (complex) */
} jacobi_rot;

/* Pair k (0 <= k < m/2) of round rd (0 <= rd < m - 1) over m (even)
 * indices, as p < q: index m - 1 meets rd, and rd + k meets rd - k (mod m - 1). */
static void round_pair(size_t m, size_t rd, size_t k, size_t *p, size_t *q)
{
    size_t a = m - 1, b = rd;
    if (k > 0) {
        a = (rd + k) % (m - 1);
        b = (rd + m - 1 - k) % (m - 1);
    }
    *p = a < b ? a : b;
    *q = a < b ? b : a;
}

/* sqrt(x2) where x2 = x^2 neither overflowed nor underflowed (a fifth of
 * hypot's time), else hypot(x, y) computed again from the parts. */
static double root_or_hypot(double x2, double x, double y)
{
    if (x2 > 1e-290 && x2 < 1e290)
        return sqrt(x2);
    return hypot(x, y);
}

/* t, c, s of the rotation that zeroes the real off-diagonal r (signed) between a_pp and a_qq. */
static void rotation(double app, double aqq, double r, double r2, jacobi_rot *j)
{
    double h = aqq - app;
    double hyp = root_or_hypot(h * h + 4 * r2, h, 2 * fabs(r));
    j->t = (h >= 0 ? 2 * r : -2 * r) / (fabs(h) + hyp);
    j->c = 1 / sqrt(j->t * j->t + 1);
    j->s = j->t * j->c;
}

/* Σ |a_ij|² over the whole matrix (off false) or over its strict upper
 * triangle (off true). */
static double sum_squares(bool cx, size_t n, const double *A, size_t lda, bool off)
{
    double s = 0;
    for (size_t j = 0; j < n; j++)
        for (size_t i = 0; i < (off ? j : n); i++) {
            const double *a = cx ? A + 2 * (i + j * lda) : A + i + j * lda;
            s += cx ? a[0] * a[0] + a[1] * a[1] : a[0] * a[0];
        }
    return s;
}

/* Two doubles to a vector (SSE2 on every x86-64 CPU, element by element
 * elsewhere): the rotations' square roots and divisions two at a time.
 * Wider vectors were measured to gain nothing here (bench_deepmon), so
 * there is one path and no dispatch. */
typedef double v2d __attribute__((vector_size(2 * sizeof(double))));
typedef long long v2i __attribute__((vector_size(2 * sizeof(double))));
static inline v2d v2_sqrt(v2d x)
{
#ifdef MFD_SMALL_X86
    return (v2d)_mm_sqrt_pd((__m128d)x);
#else
    return (v2d){sqrt(x[0]), sqrt(x[1])};
#endif
}
static inline v2d v2_load(const double *p)
{
    v2d x;
    memcpy(&x, p, sizeof x);
    return x;
}
static inline void v2_store(double *p, v2d x) { memcpy(p, &x, sizeof x); }

/* The rotations of one chunk of a round in every matrix left, lane by
 * lane: inputs (a_pp, a_qq, a_pq = re + i im, r2 = |a_pq|², the pair) and
 * the parameters planned from them.  One lane more than the most rotations,
 * so that the lanes fill whole vectors. */
#define JACOBI_LANES (MFD_SMALL_EIG_MANY * JACOBI_CHUNK + 1)
typedef struct jacobi_lanes {
    double app[JACOBI_LANES], aqq[JACOBI_LANES], re[JACOBI_LANES], im[JACOBI_LANES], r2[JACOBI_LANES];
    double r[JACOBI_LANES], t[JACOBI_LANES], c[JACOBI_LANES], s[JACOBI_LANES], ur[JACOBI_LANES], ui[JACOBI_LANES];
    size_t p[JACOBI_LANES], q[JACOBI_LANES];
} jacobi_lanes;

/* The parameters of k rotations at once, lane i from a_pp = app[i],
 * a_qq = aqq[i] and a_pq = re[i] + i im[i] with r2[i] = |a_pq|² (real
 * matrices: im[i] = 0 and r[i] = re[i] on entry): in each lane the
 * operations of rotation() (and, complex, of r = |a_pq| and e^{-i phi}) in
 * the same order, so that every lane gets the bits it gets alone, while the
 * square roots and divisions of different lanes overlap.  The arrays hold
 * an even number of lanes (the last one, when k is odd, is computed and
 * ignored).  A lane whose squares leave the range where sqrt may stand for
 * hypot is redone through root_or_hypot. */
static void plan_lanes(bool cx, size_t k, jacobi_lanes *x)
{
    const double *app = x->app, *aqq = x->aqq, *re = x->re, *im = x->im, *r2 = x->r2;
    double *r = x->r, *t = x->t, *c = x->c, *s = x->s, *ur = x->ur, *ui = x->ui;
    const v2d zero = {0, 0}, one = {1, 1}, two = {2, 2}, four = {4, 4};
    const v2i sign = {INT64_MIN, INT64_MIN};
    for (size_t i = 0; i < k; i += 2) {
        v2d vr = v2_load(r + i), v2 = v2_load(r2 + i);
        if (cx) {
            vr = v2_sqrt(v2);
            v2d inv = one / vr;
            v2_store(ur + i, v2_load(re + i) * inv);
            v2_store(ui + i, (v2d)((v2i)v2_load(im + i) ^ sign) * inv); /* -im, then the product */
            v2_store(r + i, vr);
        }
        v2d h = v2_load(aqq + i) - v2_load(app + i);
        v2d hyp = v2_sqrt(h * h + four * v2);
        v2i ge = (v2i)(h >= zero); /* all ones where h >= 0 (not for a NaN) */
        v2d tr = two * vr, num = (v2d)(((v2i)tr & ge) | ((v2i)(-tr) & ~ge));
        v2d vt = num / ((v2d)((v2i)h & ~sign) + hyp); /* fabs(h) + hyp */
        v2d vc = one / v2_sqrt(vt * vt + one);
        v2_store(t + i, vt);
        v2_store(c + i, vc);
        v2_store(s + i, vt * vc);
    }
    for (size_t i = 0; i < k; i++) {
        double h = aqq[i] - app[i], x2 = h * h + 4 * r2[i];
        if ((cx && !(r2[i] > 1e-290 && r2[i] < 1e290)) || !(x2 > 1e-290 && x2 < 1e290)) {
            if (cx) {
                r[i] = root_or_hypot(r2[i], re[i], im[i]);
                double inv = 1 / r[i];
                ur[i] = re[i] * inv;
                ui[i] = -im[i] * inv;
            }
            jacobi_rot j;
            rotation(app[i], aqq[i], r[i], r2[i], &j);
            t[i] = j.t, c[i] = j.c, s[i] = j.s;
        }
    }
}

static void apply_rotation(bool cx, size_t n, double *A, size_t lda, const jacobi_rot *j)
{
    size_t p = j->p, q = j->q;
    if (!cx) {
#define AR(i, k) A[(i) + (k) * lda]
        AR(p, p) -= j->t * j->r;
        AR(q, q) += j->t * j->r;
        AR(p, q) = AR(q, p) = 0;
        for (size_t k = 0; k < n; k++) {
            if (k == p || k == q)
                continue;
            double x = AR(k, p), y = AR(k, q);
            AR(k, p) = AR(p, k) = j->c * x - j->s * y;
            AR(k, q) = AR(q, k) = j->s * x + j->c * y;
        }
        return;
#undef AR
    }
#define RE(i, k) A[2 * ((i) + (k) * lda)]
#define IM(i, k) A[2 * ((i) + (k) * lda) + 1]
    double c = j->c, sn = j->s, ur = j->ur, ui = j->ui;
    RE(p, p) -= j->t * j->r;
    RE(q, q) += j->t * j->r;
    IM(p, p) = IM(q, q) = 0;
    RE(p, q) = IM(p, q) = RE(q, p) = IM(q, p) = 0;
    for (size_t k = 0; k < n; k++) {
        if (k == p || k == q)
            continue;
        double xr = RE(k, p), xi = IM(k, p);
        double yr = RE(k, q) * ur - IM(k, q) * ui, yi = RE(k, q) * ui + IM(k, q) * ur;
        double pr = c * xr - sn * yr, pi = c * xi - sn * yi;
        double qr = sn * xr + c * yr, qi = sn * xi + c * yi;
        RE(k, p) = pr, IM(k, p) = pi, RE(p, k) = pr, IM(p, k) = -pi;
        RE(k, q) = qr, IM(k, q) = qi, RE(q, k) = qr, IM(q, k) = -qi;
    }
#undef RE
#undef IM
}

/* Jacobi on count matrices together, each by the same operations as alone:
 * each chunk of a round gathers the rotations of every matrix still going
 * and plans them in lanes (plan_lanes), so that the square roots and
 * divisions of different matrices' rotations do not wait on one another.  A
 * matrix leaves when its off-diagonal part is negligible; sweeps[i] counts
 * its sweeps (60 at most). */
static void jacobi_many(bool cx, size_t n, size_t count, double *const *A, size_t lda, int *sweeps)
{
    double frob[MFD_SMALL_EIG_MANY], negligible[MFD_SMALL_EIG_MANY];
    size_t active[MFD_SMALL_EIG_MANY], nact = 0;
    for (size_t i = 0; i < count; i++) {
        frob[i] = sum_squares(cx, n, A[i], lda, false);
        sweeps[i] = 60;
    }
    size_t m = n + (n & 1);
    for (int sweep = 0; sweep < 60; sweep++) {
        nact = 0;
        for (size_t i = 0; i < count; i++) {
            if (sweeps[i] < 60)
                continue;
            double off = sum_squares(cx, n, A[i], lda, true);
            if (off <= 1e-34 * frob[i] || off == 0) {
                sweeps[i] = sweep;
                continue;
            }
            /* an entry whose square is below 1e-34 ‖A‖²_F / n² cannot hold
             * the loop back (the test above passes once only such entries
             * are left): it is not rotated away, which saves most of the
             * last sweep */
            negligible[i] = 1e-34 * frob[i] / (double)(n * n);
            active[nact++] = i;
        }
        if (nact == 0)
            break;
        for (size_t rd = 0; rd + 1 < m; rd++)
            for (size_t k0 = n & 1; k0 < m / 2; k0 += JACOBI_CHUNK) { /* n odd: pair 0 has the dummy */
                /* the chunk's rotations in every matrix left: gathered,
                 * planned in lanes, applied in turn */
                jacobi_lanes x;
                size_t nr[MFD_SMALL_EIG_MANY], k = 0;
                for (size_t a = 0; a < nact; a++) {
                    const double *Ai = A[active[a]];
                    size_t w = cx ? 2 : 1;
                    nr[a] = 0;
                    for (size_t kk = k0; kk < m / 2 && kk < k0 + JACOBI_CHUNK; kk++) {
                        size_t p, q;
                        round_pair(m, rd, kk, &p, &q);
                        double re = Ai[w * (p + q * lda)], im = cx ? Ai[w * (p + q * lda) + 1] : 0;
                        double r2 = cx ? re * re + im * im : re * re;
                        if (r2 <= negligible[active[a]])
                            continue;
                        x.re[k] = x.r[k] = re; /* r: real matrices' signed a_pq; complex, planned */
                        x.im[k] = im;
                        x.r2[k] = r2;
                        x.app[k] = Ai[w * (p + p * lda)];
                        x.aqq[k] = Ai[w * (q + q * lda)];
                        x.p[k] = p;
                        x.q[k++] = q;
                        nr[a]++;
                    }
                }
                if (k & 1) /* whole vectors: the last lane a rotation by 0 */
                    x.app[k] = x.re[k] = x.im[k] = x.r2[k] = x.r[k] = 0, x.aqq[k] = 1;
                plan_lanes(cx, k, &x);
                for (size_t a = 0, i = 0; a < nact; a++)
                    for (size_t e = 0; e < nr[a]; e++, i++) {
                        jacobi_rot j = {x.p[i], x.q[i], x.r[i], x.t[i], x.c[i], x.s[i], x.ur[i], x.ui[i]};
                        apply_rotation(cx, n, A[active[a]], lda, &j);
                    }
            }
    }
}

/* Scale A by a power of two to a largest entry in [1/2, 1), so that the sums
 * of squares neither overflow (from about 1e154) nor underflow; the scaling
 * and its undoing are exact, and every step is equivariant under it, so a
 * matrix of ordinary size gets the bits it would get unscaled.  Returns the
 * exponent to undo it with (unscale). */
static int scale_down(bool cx, size_t n, double *A, size_t lda)
{
    size_t wd = cx ? 2 : 1;
    double amax = 0;
    for (size_t j = 0; j < n; j++)
        for (size_t i = 0; i < wd * n; i++) {
            double x = fabs(A[wd * j * lda + i]);
            amax = x > amax ? x : amax; /* fmax without the call: a NaN is passed over as fmax does */
        }
    int e = 0;
    if (amax > 0 && isfinite(amax))
        frexp(amax, &e);
    /* a product with 2^-e rounds as ldexp does (one rounding of x 2^-e),
     * without a call per entry; ldexp near the ends of the range (|e| >= 1000) */
    bool mul = e > -1000 && e < 1000;
    double down = mul ? ldexp(1.0, -e) : 1;
    if (e != 0)
        for (size_t j = 0; j < n; j++)
            for (size_t i = 0; i < wd * n; i++)
                A[wd * j * lda + i] = mul ? A[wd * j * lda + i] * down : ldexp(A[wd * j * lda + i], -e);
    return e;
}

/* The diagonal of the converged A, scaled back by 2^e, in ascending order. */
static void unscale_sorted(bool cx, size_t n, const double *A, size_t lda, int e, double *w)
{
    bool mul = e > -1000 && e < 1000;
    double up = mul ? ldexp(1.0, e) : 1;
    for (size_t i = 0; i < n; i++) {
        w[i] = A[(cx ? 2 : 1) * (i + i * lda)];
        if (e != 0)
            w[i] = mul ? w[i] * up : ldexp(w[i], e);
    }
    for (size_t i = 1; i < n; i++) { /* insertion sort: n is small */
        double x = w[i];
        size_t j = i;
        for (; j > 0 && w[j - 1] > x; j--)
            w[j] = w[j - 1];
        w[j] = x;
    }
}

void mfd_small_eigvalsh_many(int complex_field, size_t n, size_t count, double *const *A, size_t lda,
                             double *const *w, int *sweeps)
{
    bool cx = complex_field != 0;
    int e[MFD_SMALL_EIG_MANY], sw[MFD_SMALL_EIG_MANY];
    for (size_t i0 = 0; i0 < count; i0 += MFD_SMALL_EIG_MANY) {
        size_t nb = count - i0 < MFD_SMALL_EIG_MANY ? count - i0 : MFD_SMALL_EIG_MANY;
        for (size_t i = 0; i < nb; i++)
            e[i] = scale_down(cx, n, A[i0 + i], lda);
        jacobi_many(cx, n, nb, A + i0, lda, sw);
        for (size_t i = 0; i < nb; i++) {
            unscale_sorted(cx, n, A[i0 + i], lda, e[i], w[i0 + i]);
            if (sweeps)
                sweeps[i0 + i] = sw[i];
        }
    }
}

int mfd_small_eigvalsh(int complex_field, size_t n, double *A, size_t lda, double *w)
{
    int sweeps;
    mfd_small_eigvalsh_many(complex_field, n, 1, &A, lda, &w, &sweeps);
    return sweeps;
}
