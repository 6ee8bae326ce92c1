/* Unit tests of the batched normal map (mfd_sensbatch): every problem of a
 * group gets the bits it gets alone, whatever the group's size, the
 * problem's place in it, the threads, and whether the operator is stored or
 * regenerated; the map agrees with the dgemv-based apply/adjoint within the
 * forward error bound of a sum; the models' group evaluation equals their
 * evaluation alone; bad operators are refused. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mfd_random.h"
#include "mfd_rng.h"
#include "mfd_sense.h"
#include "mfd_sensbatch.h"
#include "testhelp.h"

/* mfd_sensbatch.c's eight-lane parameter set (its AVX-512 path), built here
 * from the compiler's generic eight-lane vector without AVX-512: the same
 * passes, tails and groupings, checked on any CPU (slowly where the vector is
 * wider than the registers).  The template needs -ffp-contract=off, as the
 * library's file has. */
#define KERN(name) name##_w8
#define KATTR
typedef double w8d __attribute__((vector_size(8 * sizeof(double))));
#define V w8d
#define VW 8
#define FWD_C1 MFD_SB_W8_FWD_C1
#define FWD_C MFD_SB_W8_FWD_C
#define FWD_R MFD_SB_W8_FWD_R
#define ADJ_ACC MFD_SB_W8_ADJ_ACC
#include "mfd_sensbatch_kern.h"

#define NPROB 7

typedef struct batch {
    size_t N, m;
    double *X[NPROB], *y[NPROB], *r[NPROB], *Z[NPROB];
    double *work[NPROB]; /* mfd_sensbatch_work: an on-the-fly A_k, a chunk's tile sums */
} batch;

/* nwork: doubles of work per problem (mfd_sensbatch_work) */
static void batch_init(batch *b, size_t N, size_t m, uint64_t seed, size_t nwork)
{
    b->N = N;
    b->m = m;
    mfd_rng rng;
    mfd_rng_init(&rng, seed, 9);
    for (size_t i = 0; i < NPROB; i++) {
        b->work[i] = malloc(nwork * sizeof(double));
        b->X[i] = malloc(N * sizeof(double));
        b->y[i] = malloc(m * sizeof(double));
        b->r[i] = malloc(m * sizeof(double));
        b->Z[i] = malloc(N * sizeof(double));
        mfd_rng_fill_gaussian(&rng, b->X[i], N, 1.0);
        mfd_rng_fill_gaussian(&rng, b->y[i], m, 1.0);
    }
}

static void batch_free(batch *b)
{
    for (size_t i = 0; i < NPROB; i++) {
        free(b->work[i]);
        free(b->X[i]);
        free(b->y[i]);
        free(b->r[i]);
        free(b->Z[i]);
    }
}

/* Problems [i0, i0 + g) of b through op into (r, Z) of out. */
static mfd_status run(const mfd_sensop *op, batch *b, size_t i0, size_t g, batch *out)
{
    return mfd_sensbatch_normal(op, g, (const double *const *)b->X + i0, (const double *const *)b->y + i0, out->r + i0,
                                out->Z + i0, out->work + i0);
}

static bool same(const batch *a, const batch *b, size_t i0, size_t g)
{
    for (size_t i = i0; i < i0 + g; i++)
        if (memcmp(a->r[i], b->r[i], a->m * sizeof(double)) || memcmp(a->Z[i], b->Z[i], a->N * sizeof(double)))
            return false;
    return true;
}

/* n1 × n2 = 50 × 45 = 2250 entries: more than one tile (2048) and not a
 * multiple of the 8 lanes; m = 37 is not a multiple of the chunk or of 4. */
static void test_groups(void)
{
    size_t n1 = 50, n2 = 45, m = 37, N = n1 * n2;
    mfd_sensop *dense, *otf;
    CHECK("dense operator", mfd_sensop_gaussian(m, n1, n2, false, 5, &dense) == MFD_OK);
    CHECK("on-the-fly operator", mfd_sensop_gaussian_otf(m, n1, n2, false, 5, &otf) == MFD_OK);
    batch in, alone, grouped;
    /* the batches serve both kinds: the larger work (an on-the-fly A_k, n1 n2) */
    size_t nw = mfd_sensbatch_work(otf) > mfd_sensbatch_work(dense) ? mfd_sensbatch_work(otf) : mfd_sensbatch_work(dense);
    batch_init(&in, N, m, 1, nw);
    batch_init(&alone, N, m, 2, nw);
    batch_init(&grouped, N, m, 3, nw);
    for (size_t i = 0; i < NPROB; i++)
        run(dense, &in, i, 1, &alone);
    bool all = true;
    for (size_t g = 2; g <= NPROB; g++)
        for (size_t i0 = 0; i0 + g <= NPROB; i0++) {
            run(dense, &in, i0, g, &grouped);
            all = all && same(&alone, &grouped, i0, g);
        }
    CHECK("every problem of every group (g = 2..7, any place) has its bits alone", all);
    run(otf, &in, 0, NPROB, &grouped);
    CHECK("the on-the-fly operator gives the stored one's bits (g = 7)", same(&alone, &grouped, 0, NPROB));
    CHECK("work sizes: N for an on-the-fly A_k, 16 columns x 2 tiles for a stored chunk's sums",
          mfd_sensbatch_work(otf) == N && mfd_sensbatch_work(dense) == 2 * 16);
    double *nowork[2] = {grouped.work[0], NULL};
    CHECK("either kind without work is refused, or with a problem's work missing",
          mfd_sensbatch_normal(otf, 1, (const double *const *)in.X, (const double *const *)in.y, grouped.r, grouped.Z,
                               NULL) == MFD_EINVAL &&
              mfd_sensbatch_normal(dense, 1, (const double *const *)in.X, (const double *const *)in.y, grouped.r,
                                   grouped.Z, NULL) == MFD_EINVAL &&
              mfd_sensbatch_normal(dense, 2, (const double *const *)in.X, (const double *const *)in.y, grouped.r,
                                   grouped.Z, nowork) == MFD_EINVAL);
    {
        /* the symmetrized kinds (n1 = n2 = 47: 2209 entries), g = 1 and 5 */
        size_t ns = 47;
        mfd_sensop *sd, *so;
        batch sin, s1, s5;
        CHECK("symmetrized operators", mfd_sensop_gaussian(m, ns, ns, true, 6, &sd) == MFD_OK &&
                                           mfd_sensop_gaussian_otf(m, ns, ns, true, 6, &so) == MFD_OK);
        size_t nws = mfd_sensbatch_work(so) > mfd_sensbatch_work(sd) ? mfd_sensbatch_work(so) : mfd_sensbatch_work(sd);
        batch_init(&sin, ns * ns, m, 4, nws);
        batch_init(&s1, ns * ns, m, 5, nws);
        batch_init(&s5, ns * ns, m, 6, nws);
        for (size_t i = 0; i < 5; i++)
            run(sd, &sin, i, 1, &s1);
        run(so, &sin, 0, 5, &s5);
        CHECK("symmetrized: the on-the-fly group of 5 gives each problem's stored bits alone", same(&s1, &s5, 0, 5));
        /* packed (mfd_sensop.h): n (n + 1)/2 entries per A_k, X's packed sums in, the packed Z out */
        size_t np = ns * (ns + 1) / 2;
        CHECK("symmetrized: both kinds use n (n + 1)/2 entries per A_k, the stored block half the bytes",
              sd->nent == np && so->nent == np &&
                  mfd_sensop_dense_bytes(m, ns, ns, true) == m * np * sizeof(double));
        double *full = sin.X[5], *A = malloc(ns * ns * sizeof(double)), *Zf = malloc(ns * ns * sizeof(double));
        mfd_sensop_pack(ns, full, sin.X[6]); /* a general (not symmetric) X */
        run(sd, &sin, 6, 1, &s1);
        mfd_sensop_unpack(ns, s1.Z[6], Zf);
        double wf = 0, wa = 0, gp = (double)(2 * np) * TH_U / (1 - (double)(2 * np) * TH_U);
        double gk = (double)m * TH_U / (1 - (double)m * TH_U);
        double *zref = calloc(ns * ns, sizeof(double)), *zb = calloc(ns * ns, sizeof(double));
        for (size_t k = 0; k < m; k++) {
            mfd_sensop_row(sd, k, mfd_mat_view(A, MFD_REAL, ns, ns, ns));
            double ref = 0, bound = 0;
            for (size_t e = 0; e < ns * ns; e++) {
                ref += A[e] * full[e];
                bound += fabs(A[e] * full[e]);
            }
            /* each packed product a (x_ij + x_ji) rounds twice: gamma of 2 np terms bounds both orders */
            wf = fmax(wf, fabs((ref - sin.y[6][k]) - s1.r[6][k]) / (2 * gp * bound));
            for (size_t e = 0; e < ns * ns; e++) {
                zref[e] += s1.r[6][k] * A[e];
                zb[e] += fabs(s1.r[6][k] * A[e]);
            }
        }
        for (size_t e = 0; e < ns * ns; e++)
            wa = fmax(wa, fabs(zref[e] - Zf[e]) / (2 * gk * zb[e]));
        CHECK_LE("symmetrized, packed: A(X) - y within the forward error bound of sum_ij A_k,ij X_ij over the full "
                 "A_k (fraction of the bound)", wf, 1.0);
        CHECK_LE("symmetrized, packed: A*(r) unpacked within the bound of sum_k r_k A_k (fraction)", wa, 1.0);
        bool sym = true;
        for (size_t j = 0; j < ns; j++)
            for (size_t i = 0; i < ns; i++)
                sym = sym && Zf[i + j * ns] == Zf[j + i * ns] && A[i + j * ns] == A[j + i * ns];
        CHECK("symmetrized: the unpacked Z and A_k are symmetric", sym);
        free(A);
        free(Zf);
        free(zref);
        free(zb);
        mfd_sensop_free(sd);
        mfd_sensop_free(so);
        batch_free(&sin);
        batch_free(&s1);
        batch_free(&s5);
    }
    {
        /* every kernel path this CPU runs: the same bits as the automatic one,
         * alone and in groups that leave 1, 2 and 3 problems for the last
         * pass; widest first, from the plain path, so that a refused path
         * must leave the path forced before it, not the automatic one */
        static const char *const paths[] = {"avx512", "avx2", "plain"};
        const char *best = mfd_sensbatch_path();
        CHECK("an unknown kernel path is refused and the path stays", mfd_sensbatch_set_path("plain") == MFD_OK &&
                                                                           mfd_sensbatch_set_path("avx9") == MFD_EINVAL &&
                                                                           strcmp(mfd_sensbatch_path(), "plain") == 0);
        for (size_t p = 0; p < 3; p++) {
            char before[16];
            snprintf(before, sizeof before, "%s", mfd_sensbatch_path());
            mfd_status st = mfd_sensbatch_set_path(paths[p]);
            if (st == MFD_EUNSUPPORTED) {
                printf("SKIP the %s path: not on this CPU or in this build\n", paths[p]);
                CHECK("a path the CPU lacks leaves the path as it was", strcmp(mfd_sensbatch_path(), before) == 0);
                continue;
            }
            CHECK(paths[p], st == MFD_OK && strcmp(mfd_sensbatch_path(), paths[p]) == 0);
            bool ok = true;
            for (size_t i = 0; i < NPROB; i++) {
                run(dense, &in, i, 1, &grouped);
                ok = ok && same(&alone, &grouped, i, 1);
            }
            for (size_t g = 5; g <= NPROB; g++) {
                run(dense, &in, 0, g, &grouped);
                ok = ok && same(&alone, &grouped, 0, g);
            }
            run(otf, &in, 0, 3, &grouped);
            ok = ok && same(&alone, &grouped, 0, 3);
            char what[160];
            snprintf(what, sizeof what, "the %s path gives every problem its bits (alone, g = 5, 6, 7, on the fly g = 3)",
                     paths[p]);
            CHECK(what, ok);
        }
        /* the eight-lane set through its two halves over all columns (the
         * chunks of the stored operator change no sum's order) */
        bool ok = true;
        for (size_t g = 1; g <= NPROB; g++) {
            forward_cols_w8(dense->block, 0, N, 0, m, g, (const double *const *)in.X, (const double *const *)in.y,
                            grouped.r);
            for (size_t i = 0; i < g; i++)
                memset(grouped.Z[i], 0, N * sizeof(double));
            adjoint_cols_w8(dense->block, 0, N, 0, m, 0, N, g, grouped.r, grouped.Z);
            ok = ok && same(&alone, &grouped, 0, g);
        }
        /* and its threads' half: the tile sums kept apart (here tiles 0 and 1 of all m columns), added in order */
        for (size_t g = 1; g <= NPROB; g += 3) {
            size_t tiles = mfd_sensbatch_tiles(N);
            forward_tiles_w8(dense->block, 0, N, 0, m, 0, 1, g, (const double *const *)in.X, grouped.work);
            forward_tiles_w8(dense->block, 0, N, 0, m, 1, tiles, g, (const double *const *)in.X, grouped.work);
            for (size_t i = 0; i < g; i++)
                for (size_t k = 0; k < m; k++) {
                    double v = 0;
                    for (size_t t = 0; t < tiles; t++)
                        v += grouped.work[i][t * m + k];
                    ok = ok && memcmp(&(double){v - in.y[i][k]}, &alone.r[i][k], sizeof(double)) == 0;
                }
        }
        CHECK("the eight-lane (AVX-512) set, built without AVX-512, gives every problem its bits (g = 1..7; its "
              "tile sums, g = 1, 4, 7)",
              ok);
        CHECK("auto comes back to the widest path", mfd_sensbatch_set_path("auto") == MFD_OK &&
                                                        strcmp(mfd_sensbatch_path(), best) == 0);
    }
    CHECK("threads split only as evenly as whole tiles allow (within 20%): 2 250 and 2 500 entries one thread, "
          "3 600 and 40 000 two, 10 240 (five tiles) six of seven, one thread of them with no tile",
          mfd_sensbatch_split_threads(2250, 2) == 1 && mfd_sensbatch_split_threads(2500, 2) == 1 &&
              mfd_sensbatch_split_threads(3600, 2) == 2 && mfd_sensbatch_split_threads(40000, 2) == 2 &&
              mfd_sensbatch_split_threads(10240, 7) == 6 && mfd_sensbatch_split_threads(10240, 6) == 6 &&
              mfd_sensbatch_split_threads(1000, 2) == 1 && mfd_sensbatch_split_threads(40000, 1) == 1);
    /* threads set where the pass keeps one (two uneven tiles here: 2048 and 202 entries; the split of
     * whole tiles among threads is checked on the five-tile operator below) */
    for (int nt = 2; nt <= 3; nt++) {
        mfd_sensbatch_set_threads(nt);
        bool ok = mfd_sensbatch_threads() == nt;
        run(dense, &in, 0, NPROB, &grouped);
        ok = ok && same(&alone, &grouped, 0, NPROB);
        for (size_t i = 0; i < NPROB; i++) {
            run(dense, &in, i, 1, &grouped);
            ok = ok && same(&alone, &grouped, i, 1);
        }
        char what[96];
        snprintf(what, sizeof what, "%d threads set over two uneven tiles: one thread's bits (g = 1 and 7)", nt);
        CHECK(what, ok);
    }
    {
        /* 80 x 128 = 10 240 entries, five whole tiles: two threads take 2 and 3, three 1, 2 and 2, six
         * one each but the first, which has none; every kernel path this CPU runs; work of exactly
         * mfd_sensbatch_work doubles */
        size_t N5 = 80 * 128;
        mfd_sensop *d5;
        batch in5, one5, many5;
        CHECK("a five-tile operator", mfd_sensop_gaussian(m, 80, 128, false, 7, &d5) == MFD_OK);
        size_t nw5 = mfd_sensbatch_work(d5);
        batch_init(&in5, N5, m, 7, nw5);
        batch_init(&one5, N5, m, 8, nw5);
        batch_init(&many5, N5, m, 9, nw5);
        mfd_sensbatch_set_threads(1);
        bool ok = nw5 == 5 * 16 && run(d5, &in5, 0, 3, &one5) == MFD_OK && run(d5, &in5, 3, 1, &one5) == MFD_OK;
        static const char *const paths[] = {"avx512", "avx2", "plain"};
        size_t ran = 0;
        for (size_t p = 0; p < 3; p++) {
            if (mfd_sensbatch_set_path(paths[p]) != MFD_OK)
                continue; /* not on this CPU: refused above */
            for (int nt = 2; nt <= 6; nt += nt == 3 ? 3 : 1) {
                mfd_sensbatch_set_threads(nt);
                ok = ok && mfd_sensbatch_split_threads(N5, nt) == nt;
                for (size_t i = 0; i < NPROB; i++) { /* NaN bytes: nothing left from the last call can match */
                    memset(many5.r[i], 0xff, m * sizeof(double));
                    memset(many5.Z[i], 0xff, N5 * sizeof(double));
                }
                ok = ok && run(d5, &in5, 0, 3, &many5) == MFD_OK && run(d5, &in5, 3, 1, &many5) == MFD_OK &&
                     same(&one5, &many5, 0, 4);
                ran++;
            }
        }
        mfd_sensbatch_set_path("auto");
        CHECK("five tiles: 2, 3 and 6 threads give one thread's bits (g = 3 and 1, every path this CPU has)",
              ok && ran >= 3);
        mfd_sensop_free(d5);
        batch_free(&in5);
        batch_free(&one5);
        batch_free(&many5);
    }
    mfd_sensbatch_set_threads(0);
    CHECK("threads <= 1 is one thread", mfd_sensbatch_threads() == 1);

    /* against dgemv: each sum of N products differs from the exact one by at
     * most gamma_N sum |a_n x_n| (gamma_N = N u / (1 - N u)), for both
     * orders; so |r - r_ref| <= 2 gamma_N sum_n |A_k[n] X[n]|, and the
     * adjoint likewise with m terms (the residuals themselves differ by the
     * forward bound, a second-order term covered by the factor 2 in gamma) */
    double gN = (double)N * TH_U / (1 - (double)N * TH_U), gm = (double)m * TH_U / (1 - (double)m * TH_U);
    mfd_mat X = mfd_mat_view(in.X[0], MFD_REAL, n1, n2, n1);
    double *yref = malloc(m * sizeof(double)), worst_f = 0, worst_a = 0;
    mfd_sensop_apply(dense, X, yref);
    for (size_t k = 0; k < m; k++) {
        double bound = 0;
        for (size_t n = 0; n < N; n++)
            bound += fabs(dense->block[k * N + n] * in.X[0][n]);
        double d = fabs((yref[k] - in.y[0][k]) - alone.r[0][k]) / (2 * gN * bound);
        worst_f = fmax(worst_f, d);
    }
    mfd_mat Zref = mfd_mat_view(malloc(N * sizeof(double)), MFD_REAL, n1, n2, n1);
    mfd_sensop_adjoint(dense, alone.r[0], Zref);
    for (size_t n = 0; n < N; n++) {
        double bound = 0;
        for (size_t k = 0; k < m; k++)
            bound += fabs(dense->block[k * N + n] * alone.r[0][k]);
        worst_a = fmax(worst_a, fabs(Zref.data[n] - alone.Z[0][n]) / (2 * gm * bound));
    }
    CHECK_LE("A(X) - y within the sums' forward error bound of dgemv's (fraction of the bound)", worst_f, 1.0);
    CHECK_LE("A*(r) within the sums' forward error bound of dgemv's (fraction of the bound)", worst_a, 1.0);
    free(yref);
    free(Zref.data);

    mfd_sensop *id;
    mfd_sensop_identity(n1, n2, &id);
    CHECK("the identity operator is not served", !mfd_sensbatch_serves(id));
    CHECK("the identity operator is refused", run(id, &in, 0, 1, &grouped) == MFD_EINVAL);
    CHECK("an empty group is a no-op", run(dense, &in, 0, 0, &grouped) == MFD_OK);
    mfd_sensop_free(id);
    mfd_sensop_free(dense);
    mfd_sensop_free(otf);
    batch_free(&in);
    batch_free(&alone);
    batch_free(&grouped);
}

/* Two-factor models sharing one operator: the group's evaluation leaves each
 * as mfd_sense_eval leaves it, bit for bit. */
static void test_models(bool otf, size_t n, int threads)
{
    size_t k = 3, m = 90;
    mfd_sensop *op;
    if (otf)
        mfd_sensop_gaussian_otf(m, n, n, false, 8, &op);
    else
        mfd_sensop_gaussian(m, n, n, false, 8, &op);
    mfd_sense *a[3], *b[3];
    double *y[3]; /* each model its own measurements */
    mfd_rng rng;
    mfd_rng_init(&rng, 3, 1);
    for (int i = 0; i < 3; i++) {
        y[i] = malloc(m * sizeof(double));
        mfd_rng_fill_gaussian(&rng, y[i], m, 1.0);
    }
    mfd_mat T;
    mfd_mat_alloc(MFD_REAL, n, n, &T);
    for (int i = 0; i < 3; i++) {
        mfd_sense_alloc(i == 1, n, n, k, op, y[i], &a[i]);
        mfd_sense_alloc(i == 1, n, n, k, op, y[i], &b[i]);
        mfd_random_gaussian(&rng, T, 1.0);
        mfd_sense_set_target(a[i], T);
        mfd_sense_set_target(b[i], T);
        mfd_random_gaussian(&rng, a[i]->F, 0.3);
        mfd_random_gaussian(&rng, a[i]->G, 0.3);
        mfd_mat_copy(b[i]->F, a[i]->F);
        mfd_mat_copy(b[i]->G, a[i]->G);
        mfd_sense_eval(a[i]);
    }
    mfd_sense_group grp;
    CHECK("group workspace", mfd_sense_group_alloc(3, &grp) == MFD_OK);
    mfd_sensbatch_set_threads(threads); /* the models alone had one */
    CHECK("group evaluation", mfd_sense_eval_group(&grp, b, 3) == MFD_OK);
    mfd_sensbatch_set_threads(1);
    bool eq = true;
    for (int i = 0; i < 3; i++)
        eq = eq && a[i]->loss == b[i]->loss && a[i]->rel_err == b[i]->rel_err &&
             !memcmp(a[i]->gF.data, b[i]->gF.data, n * k * sizeof(double)) &&
             !memcmp(a[i]->gG.data, b[i]->gG.data, n * k * sizeof(double));
    char what[160];
    snprintf(what, sizeof what,
             "%s, n = %zu, %d thread(s): each model of the group (sym and asym) has its lone loss, error and "
             "gradients, bit for bit",
             otf ? "on the fly" : "stored", n, threads);
    CHECK(what, eq);
    CHECK("a group larger than its workspace is refused", mfd_sense_eval_group(&grp, b, 4) == MFD_EINVAL);
    mfd_sensop *other;
    mfd_sensop_gaussian(m, n, n, false, 8, &other);
    b[2]->op = other;
    CHECK("models with different operators are refused", mfd_sense_eval_group(&grp, b, 3) == MFD_EINVAL);
    b[2]->op = op;
    mfd_sense_group_free(&grp);
    mfd_sense_group_free(&grp);
    for (int i = 0; i < 3; i++) {
        mfd_sense_free(a[i]);
        mfd_sense_free(b[i]);
    }
    mfd_sensop_free(other);
    mfd_sensop_free(op);
    mfd_mat_free(&T);
    for (int i = 0; i < 3; i++)
        free(y[i]);
}

int main(void)
{
    test_groups();
    test_models(false, 12, 1);
    test_models(true, 12, 1);
    test_models(false, 100, 2); /* five tiles, split by the threads, through the models' work */
    TEST_REPORT();
}
