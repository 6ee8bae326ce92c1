/* mfd_deepens: every lane of a lock-step ensemble is bitwise the same model
 * stepped alone (mfd_deep_eval, mfd_deep_update), at every step, for both
 * fields, d = 1..8, N = 2, 3, 4, a = 0 and a > 0 (different a and eta per
 * lane), with ∇L_ori kept, an empty lane, a lane refilled half-way, at the
 * default lanes and at three vectors of lanes (another stride), and every
 * SIMD width this CPU has (AVX-512, AVX2, plain C).  The comparison is of
 * bits (memcmp), never a tolerance. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mfd_deep.h"
#include "mfd_deepens.h"
#include "mfd_deepinit.h"
#include "mfd_random.h"
#include "mfd_rng.h"
#include "mfd_small.h"
#include "testhelp.h"

#define STEPS 60
#define MAXRUNS 32

static mfd_deep *make_model(mfd_field f, int N, size_t d, bool reg, bool keep, unsigned long seed)
{
    size_t dims[MFD_DEEP_MAX_DEPTH + 1];
    for (int j = 0; j <= N; j++)
        dims[j] = d;
    mfd_deep *m;
    if (mfd_deep_alloc(f, N, dims, &m) != MFD_OK)
        return NULL;
    if (keep)
        mfd_deep_keep_grad_ori(m);
    mfd_rng r;
    mfd_rng_init(&r, seed, 1);
    mfd_random_gaussian(&r, m->target, 1.0);
    mfd_deepinit_gaussian(m, &r, 0.6 / sqrt((double)d) + 0.05 * (double)(seed % 3));
    m->a = reg ? 0.5 + (double)(seed % 5) : 0.0;
    return m;
}

static bool same(const double *x, const double *y, size_t n) { return memcmp(x, y, n * sizeof(double)) == 0; }

/* Everything an evaluated model holds, of lane `lane` against model m. */
static bool same_state(const mfd_deepens *e, size_t lane, const mfd_deep *m, mfd_deep *out)
{
    mfd_deepens_get(e, lane, out);
    size_t n = mfd_deep_ndoubles(m), dd = mfd_mat_ndoubles(m->resid);
    bool ok = same(out->w, m->w, n) && same(out->grad, m->grad, n) && same(out->resid.data, m->resid.data, dd) &&
              memcmp(&out->loss_ori, &m->loss_ori, sizeof(double)) == 0 &&
              memcmp(&out->loss_reg, &m->loss_reg, sizeof(double)) == 0;
    if (m->grad_ori)
        ok = ok && same(out->grad_ori, m->grad_ori, n);
    for (int j = 2; j <= m->depth; j++)
        ok = ok && same(out->prefix + out->poff[j], m->prefix + m->poff[j], dd);
    if (m->a > 0)
        for (int j = 1; j < m->depth; j++)
            ok = ok && same(out->delta + out->doff[j], m->delta + m->doff[j], dd);
    return ok;
}

/* `nruns` runs through an ensemble of fewer lanes (`lanes`, 0: the
 * default): lanes are refilled as runs end (run k lasts 20 + 7k % 40
 * steps), the last lane of the first fill is left empty.  Returns the
 * number of lane-steps that differed, −1 when no lane-step was compared. */
static long ensemble_case(mfd_field f, int N, size_t d, bool reg, bool keep, size_t lanes, size_t nruns)
{
    mfd_deep *alone[MAXRUNS], *lanes_out;
    double eta[MAXRUNS];
    long len[MAXRUNS];
    for (size_t k = 0; k < nruns; k++) {
        alone[k] = make_model(f, N, d, reg, keep, 100 + k);
        eta[k] = 0.002 * (double)(1 + k % 4);
        len[k] = 20 + (long)(7 * k % 40);
    }
    lanes_out = make_model(f, N, d, reg, keep, 1);
    mfd_deepens_shape s = mfd_deepens_shape_of(alone[0]);
    mfd_deepens *e;
    if (mfd_deepens_alloc(&s, lanes, &e) != MFD_OK)
        return -1;
    size_t L = e->lanes;
    long holder[4096], t[4096], bad = 0, compared = 0; /* run in each lane (-1 empty), its iteration */
    size_t next = 0;
    for (size_t l = 0; l < L; l++) {
        holder[l] = (l + 1 < L && next < nruns) ? (long)next++ : -1;
        t[l] = 0;
        if (holder[l] >= 0)
            mfd_deepens_set(e, l, alone[holder[l]], eta[holder[l]]);
    }
    for (;;) {
        bool any = false;
        mfd_deepens_eval(e);
        for (size_t l = 0; l < L; l++) {
            if (holder[l] < 0)
                continue;
            any = true;
            compared++;
            mfd_deep *m = alone[holder[l]];
            mfd_deep_eval(m);
            if (!same_state(e, l, m, lanes_out))
                bad++;
        }
        if (!any)
            break;
        mfd_deepens_update(e);
        for (size_t l = 0; l < L; l++) {
            if (holder[l] < 0)
                continue;
            mfd_deep_update(alone[holder[l]], eta[holder[l]]);
            if (++t[l] == len[holder[l]]) { /* the run ends: refill the lane */
                mfd_deepens_get_layers(e, l, lanes_out);
                if (!same(lanes_out->w, alone[holder[l]]->w, mfd_deep_ndoubles(lanes_out)))
                    bad++;
                holder[l] = next < nruns ? (long)next++ : -1;
                t[l] = 0;
                if (holder[l] >= 0)
                    mfd_deepens_set(e, l, alone[holder[l]], eta[holder[l]]);
                else
                    mfd_deepens_clear(e, l);
            }
        }
    }
    for (size_t k = 0; k < nruns; k++)
        mfd_deep_free(alone[k]);
    mfd_deep_free(lanes_out);
    mfd_deepens_free(e);
    return compared > 0 && next == nruns ? bad : -1; /* every run went through a lane */
}

int main(void)
{
    const char *paths[] = {"auto", "avx2", "plain"};
    int widths_seen[9] = {0};
    for (size_t p = 0; p < 3; p++) {
        mfd_small_set_path(paths[p]);
        int w = mfd_small_simd_width();
        if (widths_seen[w]++)
            continue; /* this CPU gives the same width as an earlier path */
        for (int f = 1; f <= 2; f++)
            for (int N = 2; N <= 4; N++)
                for (size_t d = 1; d <= 8; d++)
                    for (int reg = 0; reg <= 1; reg++) {
                        /* the default lanes (two vectors: the kernels' constant stride) and three */
                        for (int three = 0; three <= 1; three++) {
                            bool keep = reg && N == 4;
                            size_t lanes = three ? 3 * (size_t)w : mfd_deepens_default_lanes();
                            size_t nruns = lanes + 5 < MAXRUNS ? lanes + 5 : MAXRUNS;
                            long bad = ensemble_case((mfd_field)f, N, d, reg, keep, lanes, nruns);
                            char name[200];
                            snprintf(name, sizeof name,
                                     "%zu runs in %zu lanes of width %d are bitwise the runs alone at every step (%s, "
                                     "N=%d, d=%zu, a %s 0%s)",
                                     nruns, lanes, w, f == 1 ? "real" : "complex", N, d, reg ? ">" : "=",
                                     keep ? ", grad_ori kept" : "");
                            if (bad != 0)
                                printf("  %ld lane-steps differ\n", bad);
                            CHECK(name, bad == 0);
                        }
                    }
    }
    mfd_small_set_path("auto");
    mfd_deepens_shape bad_shape = {MFD_REAL, 4, 9, false, false};
    mfd_deepens *e = NULL;
    CHECK("an ensemble of d = 9 (above the canonical products) is refused",
          mfd_deepens_alloc(&bad_shape, 0, &e) == MFD_EINVAL && e == NULL);
    mfd_deepens_shape ok_shape = {MFD_REAL, 3, 2, false, false};
    mfd_deepens_alloc(&ok_shape, 0, &e);
    mfd_deep *m = make_model(MFD_REAL, 3, 3, false, false, 1);
    CHECK("a model of another shape is refused by a lane", mfd_deepens_set(e, 0, m, 0.1) == MFD_EINVAL);
    mfd_deep_free(m);
    m = make_model(MFD_REAL, 3, 2, true, false, 1);
    CHECK("a model with a > 0 is refused by an ensemble without the regularizer",
          mfd_deepens_set(e, 0, m, 0.1) == MFD_EINVAL);
    mfd_deep_free(m);
    mfd_deepens_free(e);
    mfd_deepens_free(NULL);
    printf("%d checks, %d failed\n", th_checks, th_failed);
    return th_failed > 100 ? 100 : th_failed;
}
