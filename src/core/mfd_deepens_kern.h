/* mfd_deepens_kern.h — the lane kernels of mfd_deepens, one template
 * compiled once per SIMD width (GSL's templates_on.h idea): mfd_deepens.c
 * defines, before each inclusion,
 *
 *   KERN(name)    the name with the width's suffix      KATTR  its target attribute
 *   V, VW         a vector of VW doubles (VW lanes)     VLOAD, VSTORE, VSET1, VZERO
 *   VFMA(a,b,c)   fused a·b + c, one rounding           VMUL, VADD, VSUB
 *   VNEG(a)       the sign bit flipped                  TR_D, TC_D, TR_Z, TC_Z  register tiles
 *
 * and gets KERN(eval_block) and KERN(update_block), which work on the VW
 * lanes lane0 … lane0 + VW − 1 of an ensemble.  Every operation is the one
 * the single run performs on each lane's own numbers (mfd_deepens.h): the
 * tiles change which entries are computed together, never the sequence of
 * roundings of an entry. */

#define IDX(r, c) ((size_t)(r) + (size_t)(c) * (size_t)d)

/* The end of a product's entry from its FMA chain: alpha times it (unless
 * alpha = 1), then the old entry c added when beta1, as the single run's
 * FMA with 1 (mfd_small.h).  Those two are exact in fewer instructions:
 * fma(1, c, x) rounds c + x once, as an addition does, and −1 · acc is acc
 * with its sign flipped.  So the adds run on the adder pipes, not the FMA
 * pipes that the chains keep busy (bench_deepens on a Zen 4, whose 512-bit
 * FMA takes both 256-bit FMA pipes: real d = 4 82.6 → 76.9 ns a lane-step,
 * complex d = 4 247 → 233, means of ten runs alternated with the build
 * before). */
static KATTR MFD_ENS_INLINE V KERN(scale)(const V acc, const int alpha_kind, const V alpha, const bool beta1, const V c)
{
    if (alpha_kind == KERN_ALPHA_MINUS_ONE)
        return beta1 ? VSUB(c, acc) : VNEG(acc);
    V x = alpha_kind == KERN_ALPHA_ONE ? acc : VMUL(alpha, acc);
    return beta1 ? VADD(c, x) : x;
}

/* Real C = alpha op(A) op(B) (+ C when beta1), op = ᵀ where ta / tb; each
 * entry an FMA chain over l from +0 (mfd_small.h's canonical product).
 * Matrices point to their first lane of the block; entry k is at k·L. */
static KATTR MFD_ENS_INLINE void KERN(gemm_d)(const int d, const bool ta, const bool tb, const int alpha_kind,
                                              const double *al, const bool beta1, const double *A, const double *B,
                                              double *C, const size_t L)
{
    const V alpha = alpha_kind == KERN_ALPHA_LANES ? VLOAD(al) : VSET1(-1.0);
    /* A Aᵀ and Aᵀ A (onto a symmetric C or none: Δ_j) are symmetric to the
     * bit, as in gemm_v below: only the entries i ≥ j are computed, those
     * above the diagonal copied from them at the end (of the step's 21
     * products at N = 4, the 6 of Δ: a ninth of its FMAs at d = 4).  Real
     * only: in a complex product the mirror's imaginary part is the
     * negation of a chain whose +0 would be −0. */
    const bool sym = A == B && ta != tb;
    for (int j0 = 0; j0 < d; j0 += TC_D)
        for (int i0 = 0; i0 < d; i0 += TR_D) {
            const int nr = d - i0 < TR_D ? d - i0 : TR_D, nc = d - j0 < TC_D ? d - j0 : TC_D;
            if (sym && i0 + nr - 1 < j0)
                continue; /* the tile lies above the diagonal */
            V acc[TR_D][TC_D];
            for (int r = 0; r < nr; r++)
                for (int c = 0; c < nc; c++)
                    acc[r][c] = VZERO();
            for (int l = 0; l < d; l++) {
                V a[TR_D], b[TC_D];
                for (int r = 0; r < nr; r++)
                    a[r] = VLOAD(A + (ta ? IDX(l, i0 + r) : IDX(i0 + r, l)) * L);
                for (int c = 0; c < nc; c++)
                    b[c] = VLOAD(B + (tb ? IDX(j0 + c, l) : IDX(l, j0 + c)) * L);
                for (int r = 0; r < nr; r++)
                    for (int c = 0; c < nc; c++)
                        if (!sym || i0 + r >= j0 + c)
                            acc[r][c] = VFMA(a[r], b[c], acc[r][c]);
            }
            for (int r = 0; r < nr; r++)
                for (int c = 0; c < nc; c++) {
                    if (sym && i0 + r < j0 + c)
                        continue;
                    double *p = C + IDX(i0 + r, j0 + c) * L;
                    VSTORE(p, KERN(scale)(acc[r][c], alpha_kind, alpha, beta1, beta1 ? VLOAD(p) : VZERO()));
                }
        }
    if (sym)
        for (int j = 1; j < d; j++)
            for (int i = 0; i < j; i++)
                VSTORE(C + IDX(i, j) * L, VLOAD(C + IDX(j, i) * L));
}

/* Complex: entry k's real part at 2k·L, its imaginary part at (2k + 1)·L.
 * op(A) = Aᴴ when ta (Im A's sign flipped), op(B) = Bᴴ when tb (Im B times
 * −1), as mfd_small.h's canonical product; four FMA chains per entry. */
static KATTR MFD_ENS_INLINE void KERN(gemm_z)(const int d, const bool ta, const bool tb, const int alpha_kind,
                                              const double *al, const bool beta1, const double *A, const double *B,
                                              double *C, const size_t L)
{
    const V alpha = alpha_kind == KERN_ALPHA_LANES ? VLOAD(al) : VSET1(-1.0);
    for (int j0 = 0; j0 < d; j0 += TC_Z)
        for (int i0 = 0; i0 < d; i0 += TR_Z) {
            const int nr = d - i0 < TR_Z ? d - i0 : TR_Z, nc = d - j0 < TC_Z ? d - j0 : TC_Z;
            V rr[TR_Z][TC_Z], ii[TR_Z][TC_Z], ri[TR_Z][TC_Z], ir[TR_Z][TC_Z];
            for (int r = 0; r < nr; r++)
                for (int c = 0; c < nc; c++)
                    rr[r][c] = ii[r][c] = ri[r][c] = ir[r][c] = VZERO();
            for (int l = 0; l < d; l++) {
                V ar[TR_Z], ai[TR_Z], br[TC_Z], bi[TC_Z];
                for (int r = 0; r < nr; r++) {
                    const double *pa = A + 2 * (ta ? IDX(l, i0 + r) : IDX(i0 + r, l)) * L;
                    ar[r] = VLOAD(pa);
                    ai[r] = ta ? VNEG(VLOAD(pa + L)) : VLOAD(pa + L);
                }
                for (int c = 0; c < nc; c++) {
                    const double *pb = B + 2 * (tb ? IDX(j0 + c, l) : IDX(l, j0 + c)) * L;
                    br[c] = VLOAD(pb);
                    bi[c] = tb ? VNEG(VLOAD(pb + L)) : VLOAD(pb + L);
                }
                for (int r = 0; r < nr; r++)
                    for (int c = 0; c < nc; c++) {
                        rr[r][c] = VFMA(ar[r], br[c], rr[r][c]);
                        ii[r][c] = VFMA(ai[r], bi[c], ii[r][c]);
                        ri[r][c] = VFMA(ai[r], br[c], ri[r][c]);
                        ir[r][c] = VFMA(ar[r], bi[c], ir[r][c]);
                    }
            }
            for (int r = 0; r < nr; r++)
                for (int c = 0; c < nc; c++) {
                    double *p = C + 2 * IDX(i0 + r, j0 + c) * L;
                    V re = VSUB(rr[r][c], ii[r][c]), im = VADD(ri[r][c], ir[r][c]);
                    re = KERN(scale)(re, alpha_kind, alpha, beta1, beta1 ? VLOAD(p) : VZERO());
                    im = KERN(scale)(im, alpha_kind, alpha, beta1, beta1 ? VLOAD(p + L) : VZERO());
                    VSTORE(p, re);
                    VSTORE(p + L, im);
                }
        }
}

static KATTR MFD_ENS_INLINE void KERN(gemm)(const bool cplx, const int d, const bool ta, const bool tb,
                                            const int alpha_kind, const double *al, const bool beta1, const double *A,
                                            const double *B, double *C, const size_t L)
{
    if (cplx)
        KERN(gemm_z)(d, ta, tb, alpha_kind, al, beta1, A, B, C, L);
    else
        KERN(gemm_d)(d, ta, tb, alpha_kind, al, beta1, A, B, C, L);
}

/* One double x of a sum of squares into its partial sum, for eval_reg's
 * matrices in vectors, in the orders that sub_norm2 and sumsq below follow
 * in memory (written out there: through these, complex d = 4 ran 7%
 * slower): a residual's x at position i of its column into s[i mod 2], a
 * packed matrix's double i of n into s[i mod 4], the n mod 4 of the tail
 * into s[0]. */
static KATTR MFD_ENS_INLINE void KERN(resid_add)(V s[2], const int i, const V x)
{
    s[i & 1] = VADD(s[i & 1], VMUL(x, x));
}

static KATTR MFD_ENS_INLINE void KERN(sumsq_add)(V s[4], const int i, const int n, const V x)
{
    const int k = i < n - n % 4 ? i % 4 : 0;
    s[k] = VADD(s[k], VMUL(x, x));
}

/* resid = P − T and its sum of squares in mfd_mat_sub_norm2's order: per
 * column, the doubles at even positions into s0, odd ones into s1. */
static KATTR MFD_ENS_INLINE V KERN(sub_norm2)(const int d, const int wd, const double *P, const double *T,
                                              double *R, const size_t L)
{
    V s[2] = {VZERO(), VZERO()};
    const int len = wd * d;
    for (int j = 0; j < d; j++)
        for (int i = 0; i < len; i++) {
            size_t k = ((size_t)j * (size_t)len + (size_t)i) * L;
            V x = VSUB(VLOAD(P + k), VLOAD(T + k));
            VSTORE(R + k, x);
            s[i & 1] = VADD(s[i & 1], VMUL(x, x));
        }
    return VADD(s[0], s[1]);
}

/* A packed matrix's sum of squares in mfd_mat_norm2's order: four partial
 * sums over its doubles, the tail into the first, ((s0 + s1) + (s2 + s3)). */
static KATTR MFD_ENS_INLINE V KERN(sumsq)(const int n, const double *X, const size_t L)
{
    V s[4] = {VZERO(), VZERO(), VZERO(), VZERO()};
    const int body = n - n % 4;
    for (int i = 0; i < n; i++) {
        V x = VLOAD(X + (size_t)i * L);
        int k = i < body ? i % 4 : 0;
        s[k] = VADD(s[k], VMUL(x, x));
    }
    return VADD(VADD(s[0], s[1]), VADD(s[2], s[3]));
}

/* mfd_deep_eval for one block of lanes, d a constant. */
static KATTR MFD_ENS_INLINE void KERN(eval_d)(const int d, mfd_deepens *e, const size_t lane0, const size_t L,
                                              const bool cplx, const int N)
{
    const int wd = cplx ? 2 : 1;
    const size_t M = (size_t)wd * (size_t)d * (size_t)d * L;
    double *W = e->w + lane0, *G = e->grad + lane0, *P = e->prefix + lane0, *D = e->delta ? e->delta + lane0 : NULL;
    const double *a = e->a + lane0, *nega = e->nega + lane0;
#define LAYER(j) (W + (size_t)((j) - 1) * M)
#define GRAD(j) (G + (size_t)((j) - 1) * M)
#define PREFIX(j) ((j) == 1 ? LAYER(1) : P + (size_t)((j) - 2) * M)
#define DELTA(j) (D + (size_t)((j) - 1) * M)
    /* mfd_deep_loss: P_j = W_j P_{j−1}, the residual and L_ori, then Δ and L_reg */
    for (int j = 2; j <= N; j++)
        KERN(gemm)(cplx, d, false, false, KERN_ALPHA_ONE, NULL, false, LAYER(j), PREFIX(j - 1), PREFIX(j), L);
    V s = KERN(sub_norm2)(d, wd, PREFIX(N), e->target + lane0, e->resid + lane0, L);
    VSTORE(e->loss_ori + lane0, VMUL(VSET1(0.5), s));
    V reg = VZERO();
    if (e->s.reg) {
        for (int j = 1; j < N; j++) {
            KERN(gemm)(cplx, d, false, true, KERN_ALPHA_ONE, NULL, false, LAYER(j), LAYER(j), DELTA(j), L);
            KERN(gemm)(cplx, d, true, false, KERN_ALPHA_MINUS_ONE, NULL, true, LAYER(j + 1), LAYER(j + 1), DELTA(j),
                       L);
        }
        V sum = VZERO();
        for (int j = 1; j < N; j++)
            sum = VADD(sum, KERN(sumsq)(wd * d * d, DELTA(j), L));
        reg = VMUL(VLOAD(e->quarter_a + lane0), sum);
    }
    VSTORE(e->loss_reg + lane0, reg);
    /* the gradients: T_N = W − Σ, ∇_j = T_j P_{j−1}ᴴ, T_{j−1} = W_jᴴ T_j, ∇_1 = T_1 */
    const double *T = e->resid + lane0;
    for (int j = N; j >= 2; j--) {
        KERN(gemm)(cplx, d, false, true, KERN_ALPHA_ONE, NULL, false, T, PREFIX(j - 1), GRAD(j), L);
        double *next = j == 2 ? GRAD(1) : e->tbuf + (size_t)(j % 2) * M + lane0;
        KERN(gemm)(cplx, d, true, false, KERN_ALPHA_ONE, NULL, false, LAYER(j), T, next, L);
        T = next;
    }
    if (e->grad_ori)
        for (size_t k = 0; k < (size_t)N * M; k += L)
            VSTORE(e->grad_ori + lane0 + k, VLOAD(G + k));
    if (e->s.reg)
        for (int j = 1; j <= N; j++) {
            if (j < N)
                KERN(gemm)(cplx, d, false, false, KERN_ALPHA_LANES, a, true, DELTA(j), LAYER(j), GRAD(j), L);
            if (j > 1)
                KERN(gemm)(cplx, d, false, false, KERN_ALPHA_LANES, nega, true, LAYER(j), DELTA(j - 1), GRAD(j), L);
        }
#undef LAYER
#undef GRAD
#undef PREFIX
#undef DELTA
}

/* eval_d at the default lanes (two vectors): the lane stride a constant,
 * so that every address is a fixed offset, and at N = 4 ([LXGFD25]'s four
 * layers) the depth and the field too. */
static KATTR MFD_ENS_INLINE void KERN(eval_default_lanes)(const int d, mfd_deepens *e, const size_t lane0,
                                                          const bool cplx, const int N)
{
    if (N != 4)
        KERN(eval_d)(d, e, lane0, 2 * VW, cplx, N);
    else if (cplx)
        KERN(eval_d)(d, e, lane0, 2 * VW, true, 4);
    else
        KERN(eval_d)(d, e, lane0, 2 * VW, false, 4);
}

/* gemm_d on matrices held in vectors (entry k in A[k]), the same sequence
 * per entry: for eval_reg, whose matrices stay in registers. */
static KATTR MFD_ENS_INLINE void KERN(gemm_v)(const int d, const bool ta, const bool tb, const int alpha_kind,
                                              const V al, const bool beta1, const V *A, const V *B, V *C)
{
    const V alpha = alpha_kind == KERN_ALPHA_LANES ? al : VSET1(-1.0);
    /* A Aᵀ and Aᵀ A (B = A, one of them transposed, onto a symmetric C or
     * none) are symmetric to the bit: entry (j, i) multiplies the same
     * pairs as (i, j), each product with its factors swapped, which IEEE
     * multiplication and FMA do not notice.  Only i ≥ j is computed. */
    const bool sym = A == B && ta != tb;
    for (int j = 0; j < d; j++)
        for (int i = 0; i < d; i++) {
            if (sym && i < j) {
                C[IDX(i, j)] = C[IDX(j, i)];
                continue;
            }
            V acc = VZERO();
            for (int l = 0; l < d; l++)
                acc = VFMA(A[ta ? IDX(l, i) : IDX(i, l)], B[tb ? IDX(j, l) : IDX(l, j)], acc);
            C[IDX(i, j)] = KERN(scale)(acc, alpha_kind, alpha, beta1, beta1 ? C[IDX(i, j)] : VZERO());
        }
}

/* eval_d for real layers of d = 2 and N ≤ REG_MAXN, the step's matrices
 * (layers, products, Δ, residual, gradients) held in vectors, each output
 * stored once: eval_d stores and reloads every product, and at d = 2 those
 * loads and stores, not the FMAs, bound the step (bench_deepens, N = 4,
 * a > 0: 14 → 9.5 ns a lane-step).  The same operations on each lane, so
 * the same bits. */
#define REG_MAXN 4
static KATTR MFD_ENS_INLINE void KERN(eval_reg)(mfd_deepens *e, const size_t lane0, const size_t L, const int N,
                                                const bool reg)
{
    enum { d = 2, n = 4 };
    V W[REG_MAXN][n], P[REG_MAXN][n], D[REG_MAXN][n], G[REG_MAXN][n], R[n], T[2][n];
    const V a = reg ? VLOAD(e->a + lane0) : VZERO(), nega = reg ? VLOAD(e->nega + lane0) : VZERO();
#define AT(arr, j, k) ((arr) + lane0 + ((size_t)(j) * (size_t)n + (size_t)(k)) * L)
    for (int j = 0; j < N; j++)
        for (int k = 0; k < n; k++)
            W[j][k] = VLOAD(AT(e->w, j, k));
    /* P[j] = W_{j+1} ⋯ W_1 (P[0] = W_1), the residual, L_ori, then Δ and L_reg */
    for (int k = 0; k < n; k++)
        P[0][k] = W[0][k];
    for (int j = 1; j < N; j++) {
        KERN(gemm_v)(d, false, false, KERN_ALPHA_ONE, a, false, W[j], P[j - 1], P[j]);
        for (int k = 0; k < n; k++)
            VSTORE(AT(e->prefix, j - 1, k), P[j][k]);
    }
    V s2[2] = {VZERO(), VZERO()};
    for (int k = 0; k < n; k++) {
        VSTORE(AT(e->resid, 0, k), R[k] = VSUB(P[N - 1][k], VLOAD(AT(e->target, 0, k))));
        KERN(resid_add)(s2, k % d, R[k]);
    }
    VSTORE(e->loss_ori + lane0, VMUL(VSET1(0.5), VADD(s2[0], s2[1])));
    V lreg = VZERO();
    if (reg) {
        V sum = VZERO();
        for (int j = 0; j < N - 1; j++) {
            KERN(gemm_v)(d, false, true, KERN_ALPHA_ONE, a, false, W[j], W[j], D[j]);
            KERN(gemm_v)(d, true, false, KERN_ALPHA_MINUS_ONE, a, true, W[j + 1], W[j + 1], D[j]);
            for (int k = 0; k < n; k++)
                VSTORE(AT(e->delta, j, k), D[j][k]);
            V s4[4] = {VZERO(), VZERO(), VZERO(), VZERO()};
            for (int k = 0; k < n; k++)
                KERN(sumsq_add)(s4, k, n, D[j][k]);
            sum = VADD(sum, VADD(VADD(s4[0], s4[1]), VADD(s4[2], s4[3])));
        }
        lreg = VMUL(VLOAD(e->quarter_a + lane0), sum);
    }
    VSTORE(e->loss_reg + lane0, lreg);
    /* T_N = W − Σ, ∇_j = T_j P_{j−1}ᵀ, T_{j−1} = W_jᵀ T_j, ∇_1 = T_1 */
    const V *Tj = R;
    for (int j = N; j >= 2; j--) {
        KERN(gemm_v)(d, false, true, KERN_ALPHA_ONE, a, false, Tj, P[j - 2], G[j - 1]);
        V *next = j == 2 ? G[0] : T[j % 2];
        KERN(gemm_v)(d, true, false, KERN_ALPHA_ONE, a, false, W[j - 1], Tj, next);
        Tj = next;
    }
    for (int j = 0; j < N; j++) {
        if (e->grad_ori)
            for (int k = 0; k < n; k++)
                VSTORE(AT(e->grad_ori, j, k), G[j][k]);
        if (reg && j < N - 1)
            KERN(gemm_v)(d, false, false, KERN_ALPHA_LANES, a, true, D[j], W[j], G[j]);
        if (reg && j > 0)
            KERN(gemm_v)(d, false, false, KERN_ALPHA_LANES, nega, true, W[j], D[j - 1], G[j]);
        for (int k = 0; k < n; k++)
            VSTORE(AT(e->grad, j, k), G[j][k]);
    }
#undef AT
}

/* eval_reg with N and the regularizer constants. */
static KATTR MFD_ENS_INLINE void KERN(eval_reg_n)(mfd_deepens *e, const size_t lane0, const size_t L, const int N)
{
    const bool reg = e->s.reg;
    switch (N) {
    case 2: reg ? KERN(eval_reg)(e, lane0, L, 2, true) : KERN(eval_reg)(e, lane0, L, 2, false); break;
    case 3: reg ? KERN(eval_reg)(e, lane0, L, 3, true) : KERN(eval_reg)(e, lane0, L, 3, false); break;
    default: reg ? KERN(eval_reg)(e, lane0, L, 4, true) : KERN(eval_reg)(e, lane0, L, 4, false); break;
    }
}

/* eval_reg apart from the other shapes' code (inlined into it, the same
 * code ran 40% slower), at the default lanes with L a constant. */
static KATTR __attribute__((noinline)) void KERN(eval_reg_default)(mfd_deepens *e, const size_t lane0, const int N)
{
    KERN(eval_reg_n)(e, lane0, 2 * VW, N);
}

static KATTR __attribute__((noinline)) void KERN(eval_reg_any)(mfd_deepens *e, const size_t lane0, const int N)
{
    KERN(eval_reg_n)(e, lane0, e->lanes, N);
}

/* One function per d, so that every loop above has constant bounds; at the
 * default lanes and d = 2 or 4 (the sweeps' common shapes) the constants
 * above as well: less than half the time at d = 4 (the same operations, the
 * same bits). */
static KATTR void KERN(eval_block)(mfd_deepens *e, size_t lane0)
{
    const size_t L = e->lanes;
    const bool cplx = e->s.field == MFD_COMPLEX;
    const int N = e->s.depth;
    if (e->s.d == 2 && !cplx && N <= REG_MAXN) {
        if (L == 2 * VW)
            KERN(eval_reg_default)(e, lane0, N);
        else
            KERN(eval_reg_any)(e, lane0, N);
        return;
    }
    if (L == 2 * VW && e->s.d == 2) {
        KERN(eval_default_lanes)(2, e, lane0, cplx, N);
        return;
    }
    if (L == 2 * VW && e->s.d == 4) {
        KERN(eval_default_lanes)(4, e, lane0, cplx, N);
        return;
    }
    switch (e->s.d) {
    case 1: KERN(eval_d)(1, e, lane0, L, cplx, N); break;
    case 2: KERN(eval_d)(2, e, lane0, L, cplx, N); break;
    case 3: KERN(eval_d)(3, e, lane0, L, cplx, N); break;
    case 4: KERN(eval_d)(4, e, lane0, L, cplx, N); break;
    case 5: KERN(eval_d)(5, e, lane0, L, cplx, N); break;
    case 6: KERN(eval_d)(6, e, lane0, L, cplx, N); break;
    case 7: KERN(eval_d)(7, e, lane0, L, cplx, N); break;
    default: KERN(eval_d)(8, e, lane0, L, cplx, N); break;
    }
}

/* mfd_deep_update: w ← w − (eta g), a multiplication then a subtraction. */
static KATTR void KERN(update_block)(mfd_deepens *e, size_t lane0)
{
    const size_t L = e->lanes, n = (size_t)e->s.depth * e->mat;
    const V eta = VLOAD(e->eta + lane0);
    double *w = e->w + lane0;
    const double *g = e->grad + lane0;
    for (size_t k = 0; k < n; k += L)
        VSTORE(w + k, VSUB(VLOAD(w + k), VMUL(eta, VLOAD(g + k))));
}

#undef IDX
#undef REG_MAXN
/* the template's parameters, for the next inclusion */
#undef KERN
#undef KATTR
#undef V
#undef VW
#undef VLOAD
#undef VSTORE
#undef VSET1
#undef VZERO
#undef VFMA
#undef VMUL
#undef VADD
#undef VSUB
#undef VNEG
#undef TR_D
#undef TC_D
#undef TR_Z
#undef TC_Z
