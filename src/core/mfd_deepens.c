#include "mfd_deepens.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mfd_small.h"

#define MFD_ENS_INLINE __attribute__((always_inline)) inline

/* The scale of a product in the kernels: alpha = 1 (no multiplication), −1,
 * or one value per lane (a, −a). */
enum { KERN_ALPHA_ONE, KERN_ALPHA_MINUS_ONE, KERN_ALPHA_LANES };

/* ---- plain C: one lane per "vector" (C's fma(): the same bits) ---------- */
#define KERN(name) name##_plain
#define KATTR
#define V double
#define VW 1
#define VLOAD(p) (*(p))
#define VSTORE(p, x) (*(p) = (x))
#define VSET1(x) (x)
#define VZERO() 0.0
#define VFMA(a, b, c) fma(a, b, c)
#define VMUL(a, b) ((a) * (b))
#define VADD(a, b) ((a) + (b))
#define VSUB(a, b) ((a) - (b))
#define VNEG(a) (-(a))
#define TR_D 4
#define TC_D 2
#define TR_Z 2
#define TC_Z 1
#include "mfd_deepens_kern.h" /* undefines its parameters */

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define MFD_ENS_X86 1
#include <immintrin.h>

/* ---- AVX2 and FMA: 4 lanes per instruction, 16 registers ---------------- */
#define KERN(name) name##_avx2
#define KATTR __attribute__((target("avx2,fma")))
#define V __m256d
#define VW 4
#define VLOAD(p) _mm256_loadu_pd(p)
#define VSTORE(p, x) _mm256_storeu_pd(p, x)
#define VSET1(x) _mm256_set1_pd(x)
#define VZERO() _mm256_setzero_pd()
#define VFMA(a, b, c) _mm256_fmadd_pd(a, b, c)
#define VMUL(a, b) _mm256_mul_pd(a, b)
#define VADD(a, b) _mm256_add_pd(a, b)
#define VSUB(a, b) _mm256_sub_pd(a, b)
#define VNEG(a) _mm256_xor_pd(a, _mm256_set1_pd(-0.0))
#define TR_D 4
#define TC_D 2
#define TR_Z 2
#define TC_Z 1
#include "mfd_deepens_kern.h" /* undefines its parameters */

/* ---- AVX-512F: 8 lanes per instruction, 32 registers -------------------- */
#define KERN(name) name##_avx512
#define KATTR __attribute__((target("avx512f")))
#define V __m512d
#define VW 8
#define VLOAD(p) _mm512_loadu_pd(p)
#define VSTORE(p, x) _mm512_storeu_pd(p, x)
#define VSET1(x) _mm512_set1_pd(x)
#define VZERO() _mm512_setzero_pd()
#define VFMA(a, b, c) _mm512_fmadd_pd(a, b, c)
#define VMUL(a, b) _mm512_mul_pd(a, b)
#define VADD(a, b) _mm512_add_pd(a, b)
#define VSUB(a, b) _mm512_sub_pd(a, b)
#define VNEG(a) _mm512_castsi512_pd(_mm512_xor_si512(_mm512_castpd_si512(a), _mm512_set1_epi64(INT64_MIN)))
#define TR_D 4
#define TC_D 4
#define TR_Z 2
#define TC_Z 2
#include "mfd_deepens_kern.h" /* undefines its parameters */
#endif

bool mfd_deepens_accepts(const mfd_deep *m)
{
    return mfd_deep_is_square(m) && m->dims[0] <= MFD_SMALL_CANON && !m->mask;
}

mfd_deepens_shape mfd_deepens_shape_of(const mfd_deep *m)
{
    mfd_deepens_shape s = {m->field, m->depth, m->dims[0], m->a > 0, m->grad_ori != NULL};
    return s;
}

size_t mfd_deepens_default_lanes(void) { return 2 * (size_t)mfd_small_simd_width(); }

void mfd_deepens_free(mfd_deepens *e)
{
    if (!e)
        return;
    free(e->w);
    free(e);
}

/* Every array in one block of doubles (aligned to 64 bytes; the kernels
 * load unaligned, so no part needs more). */
mfd_status mfd_deepens_alloc(const mfd_deepens_shape *s, size_t lanes, mfd_deepens **out)
{
    *out = NULL;
    if (s->depth < 2 || s->depth > MFD_DEEP_MAX_DEPTH || s->d < 1 || s->d > MFD_SMALL_CANON ||
        (s->field != MFD_REAL && s->field != MFD_COMPLEX))
        return MFD_EINVAL;
    int width = mfd_small_simd_width();
    if (lanes == 0)
        lanes = mfd_deepens_default_lanes();
    if (lanes > 4096)
        return MFD_ERANGE;
    lanes = (lanes + (size_t)width - 1) / (size_t)width * (size_t)width;
    mfd_deepens *e = calloc(1, sizeof *e);
    if (!e)
        return MFD_ENOMEM;
    e->s = *s;
    e->lanes = lanes;
    e->width = width;
    size_t N = (size_t)s->depth, mat = mfd_field_width(s->field) * s->d * s->d * lanes;
    e->mat = mat;
    size_t lane_arr = (lanes + 7) / 8 * 8;
    /* w, grad, grad_ori: N each; target, resid, 2 tbuf; N − 1 prefix; N − 1 delta; 6 per-lane arrays */
    size_t nmat = 3 * N + 4 + 2 * (N - 1), total = nmat * mat + 6 * lane_arr;
    size_t bytes = (total * sizeof(double) + 63) / 64 * 64;
    double *block = aligned_alloc(64, bytes);
    if (!block) {
        free(e);
        return MFD_ENOMEM;
    }
    memset(block, 0, total * sizeof(double));
    double *p = block;
    e->w = p, p += N * mat;
    e->grad = p, p += N * mat;
    e->grad_ori = s->keep_grad_ori ? p : NULL, p += N * mat;
    e->target = p, p += mat;
    e->resid = p, p += mat;
    e->tbuf = p, p += 2 * mat;
    e->prefix = p, p += (N - 1) * mat;
    e->delta = s->reg ? p : NULL, p += (N - 1) * mat;
    e->a = p, p += lane_arr;
    e->nega = p, p += lane_arr;
    e->quarter_a = p, p += lane_arr;
    e->eta = p, p += lane_arr;
    e->loss_ori = p, p += lane_arr;
    e->loss_reg = p;
#ifdef MFD_ENS_X86
    if (width == 8) {
        e->eval_block = eval_block_avx512;
        e->update_block = update_block_avx512;
    } else if (width == 4) {
        e->eval_block = eval_block_avx2;
        e->update_block = update_block_avx2;
    } else
#endif
    {
        e->eval_block = eval_block_plain;
        e->update_block = update_block_plain;
    }
    *out = e;
    return MFD_OK;
}

static bool same_shape(const mfd_deepens *e, const mfd_deep *m)
{
    mfd_deepens_shape s = mfd_deepens_shape_of(m);
    return mfd_deepens_accepts(m) && s.field == e->s.field && s.depth == e->s.depth && s.d == e->s.d &&
           s.reg == e->s.reg && (!e->s.keep_grad_ori || s.keep_grad_ori);
}

/* dst[k·L + lane] = src[k] for the n doubles of one matrix, and back. */
static void scatter(double *dst, const double *src, size_t n, size_t L, size_t lane)
{
    for (size_t k = 0; k < n; k++)
        dst[k * L + lane] = src[k];
}

static void gather(double *dst, const double *src, size_t n, size_t L, size_t lane)
{
    for (size_t k = 0; k < n; k++)
        dst[k] = src[k * L + lane];
}

mfd_status mfd_deepens_set(mfd_deepens *e, size_t lane, const mfd_deep *m, double eta)
{
    if (lane >= e->lanes || !same_shape(e, m) || !mfd_mat_is_packed(m->target))
        return MFD_EINVAL;
    size_t n = mfd_field_width(e->s.field) * e->s.d * e->s.d, L = e->lanes;
    for (int j = 0; j < e->s.depth; j++)
        scatter(e->w + (size_t)j * e->mat, m->w + m->off[j], n, L, lane);
    scatter(e->target, m->target.data, n, L, lane);
    e->a[lane] = m->a;
    e->nega[lane] = -m->a;
    e->quarter_a[lane] = 0.25 * m->a;
    e->eta[lane] = eta;
    return MFD_OK;
}

void mfd_deepens_clear(mfd_deepens *e, size_t lane)
{
    size_t n = mfd_field_width(e->s.field) * e->s.d * e->s.d, L = e->lanes;
    for (int j = 0; j < e->s.depth; j++)
        for (size_t k = 0; k < n; k++)
            e->w[(size_t)j * e->mat + k * L + lane] = 0.0;
    for (size_t k = 0; k < n; k++)
        e->target[k * L + lane] = 0.0;
    e->a[lane] = e->nega[lane] = e->quarter_a[lane] = e->eta[lane] = 0.0;
}

void mfd_deepens_eval(mfd_deepens *e)
{
    for (size_t lane0 = 0; lane0 < e->lanes; lane0 += (size_t)e->width)
        e->eval_block(e, lane0);
}

void mfd_deepens_update(mfd_deepens *e)
{
    for (size_t lane0 = 0; lane0 < e->lanes; lane0 += (size_t)e->width)
        e->update_block(e, lane0);
}

void mfd_deepens_get_layers(const mfd_deepens *e, size_t lane, mfd_deep *m)
{
    size_t n = mfd_field_width(e->s.field) * e->s.d * e->s.d, L = e->lanes;
    for (int j = 0; j < e->s.depth; j++)
        gather(m->w + m->off[j], e->w + (size_t)j * e->mat, n, L, lane);
}

void mfd_deepens_get(const mfd_deepens *e, size_t lane, mfd_deep *m)
{
    size_t n = mfd_field_width(e->s.field) * e->s.d * e->s.d, L = e->lanes;
    int N = e->s.depth;
    mfd_deepens_get_layers(e, lane, m);
    for (int j = 0; j < N; j++) {
        gather(m->grad + m->off[j], e->grad + (size_t)j * e->mat, n, L, lane);
        if (e->grad_ori && m->grad_ori)
            gather(m->grad_ori + m->off[j], e->grad_ori + (size_t)j * e->mat, n, L, lane);
    }
    for (int j = 2; j <= N; j++)
        gather(m->prefix + m->poff[j], e->prefix + (size_t)(j - 2) * e->mat, n, L, lane);
    gather(m->resid.data, e->resid, n, L, lane);
    if (e->delta)
        for (int j = 1; j < N; j++)
            gather(m->delta + m->doff[j], e->delta + (size_t)(j - 1) * e->mat, n, L, lane);
    m->loss_ori = e->loss_ori[lane];
    m->loss_reg = e->loss_reg[lane];
    m->loss_test = 0.0;
}
