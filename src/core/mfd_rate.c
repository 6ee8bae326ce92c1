#include "mfd_rate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

void mfd_linreg_reset(mfd_linreg *r)
{
    r->n = 0;
    r->mx = r->my = r->sxx = r->sxy = r->syy = 0.0;
    r->x_first = r->x_last = NAN;
}

void mfd_linreg_add(mfd_linreg *r, double x, double y)
{
    if (r->n == 0)
        r->x_first = x;
    r->x_last = x;
    r->n++;
    double nn = (double)r->n;
    double dx = x - r->mx, dy = y - r->my;
    r->mx += dx / nn;
    r->my += dy / nn;
    r->sxx += dx * (x - r->mx);
    r->sxy += dx * (y - r->my);
    r->syy += dy * (y - r->my);
}

mfd_fit mfd_linreg_fit(const mfd_linreg *r)
{
    mfd_fit f = {NAN, NAN, NAN, r->n, r->x_first, r->x_last};
    if (r->n < 2 || !(r->sxx > 0))
        return f;
    f.slope = r->sxy / r->sxx;
    f.intercept = r->my - f.slope * r->mx;
    if (r->n >= 3) {
        double rss = r->syy - f.slope * r->sxy;
        if (rss < 0)
            rss = 0; /* rounding on an exact line */
        f.slope_se = sqrt(rss / (double)(r->n - 2) / r->sxx);
    }
    return f;
}

void mfd_linreg_save(const mfd_linreg *r, mfd_ckpt_buf *b)
{
    double v[7] = {r->mx, r->my, r->sxx, r->sxy, r->syy, r->x_first, r->x_last};
    mfd_ckpt_put_tag(b, "linreg");
    mfd_ckpt_put_u64(b, (uint64_t)r->n);
    mfd_ckpt_put_f64s(b, v, 7);
}

mfd_status mfd_linreg_load(mfd_linreg *r, mfd_ckpt_buf *b)
{
    double v[7];
    mfd_ckpt_get_tag(b, "linreg");
    size_t n = (size_t)mfd_ckpt_get_u64(b);
    MFD_CHECK(mfd_ckpt_get_f64s(b, v, 7));
    r->n = n;
    r->mx = v[0];
    r->my = v[1];
    r->sxx = v[2];
    r->sxy = v[3];
    r->syy = v[4];
    r->x_first = v[5];
    r->x_last = v[6];
    return MFD_OK;
}

void mfd_rate_band_add(mfd_linreg *r, double lo, double hi, double t, double e)
{
    if (e >= lo && e <= hi && e > 0)
        mfd_linreg_add(r, t, log(e));
}

void mfd_rate_window_add(mfd_linreg *r, double t_lo, double t_hi, double t, double e)
{
    if (t >= t_lo && t <= t_hi && t > 0 && e > 0)
        mfd_linreg_add(r, log(t), log(e));
}

void mfd_rate_rho(mfd_fit f, double *rho, double *rho_se)
{
    *rho = exp(f.slope);
    *rho_se = *rho * f.slope_se;
}

/* With the data at hand, the residual sum of squares is summed directly in
 * a second pass: syy - slope sxy cancels all its digits on a near-exact line. */
static void exact_se(mfd_fit *f, const mfd_linreg *r, const double *x, const double *y, const unsigned char *use,
                     size_t n)
{
    if (r->n < 3 || isnan(f->slope))
        return;
    double rss = 0;
    for (size_t i = 0; i < n; i++)
        if (use[i]) {
            double res = y[i] - (f->intercept + f->slope * x[i]);
            rss += res * res;
        }
    f->slope_se = sqrt(rss / (double)(r->n - 2) / r->sxx);
}

static mfd_fit fit_arrays(const double *t, const double *e, size_t n, double lo, double hi, int loglog)
{
    mfd_linreg r;
    mfd_linreg_reset(&r);
    double *x = malloc((n ? n : 1) * sizeof(double)), *y = malloc((n ? n : 1) * sizeof(double));
    unsigned char *use = calloc(n ? n : 1, 1);
    for (size_t i = 0; i < n; i++) {
        int in = loglog ? (t[i] >= lo && t[i] <= hi && t[i] > 0 && e[i] > 0) : (e[i] >= lo && e[i] <= hi && e[i] > 0);
        if (!in)
            continue;
        double xi = loglog ? log(t[i]) : t[i], yi = log(e[i]);
        mfd_linreg_add(&r, xi, yi);
        if (x && y && use) {
            x[i] = xi;
            y[i] = yi;
            use[i] = 1;
        }
    }
    mfd_fit f = mfd_linreg_fit(&r);
    if (x && y && use)
        exact_se(&f, &r, x, y, use, n);
    free(x);
    free(y);
    free(use);
    return f;
}

mfd_fit mfd_rate_linear(const double *t, const double *e, size_t n, double lo, double hi)
{
    return fit_arrays(t, e, n, lo, hi, 0);
}

mfd_fit mfd_rate_loglog(const double *t, const double *e, size_t n, double t_lo, double t_hi)
{
    return fit_arrays(t, e, n, t_lo, t_hi, 1);
}

double mfd_rate_first_below(const double *t, const double *e, size_t n, double thr)
{
    for (size_t i = 0; i < n; i++)
        if (e[i] <= thr)
            return t[i];
    return NAN;
}

void mfd_rate_thresholds_update(const double *thr, long *first, size_t n, long t, double e)
{
    for (size_t i = 0; i < n; i++)
        if (first[i] < 0 && e <= thr[i])
            first[i] = t;
}

size_t mfd_rate_plateaus(const double *t, const double *e, size_t n, double rtol, double min_decades,
                         mfd_plateau *out, size_t cap)
{
    size_t found = 0, i = 0;
    while (i + 1 < n) {
        /* Segment i -> i+1 is flat when |log(e1/e0)| per decade is below rtol. */
        size_t start = i;
        while (i + 1 < n) {
            if (!(t[i] >= 1 && t[i + 1] > t[i] && e[i] > 0 && e[i + 1] > 0))
                break;
            double dec = log10(t[i + 1] / t[i]);
            double rel = fabs(log(e[i + 1] / e[i])) / dec;
            if (!(rel < rtol))
                break;
            i++;
        }
        if (i > start && log10(t[i] / t[start]) >= min_decades) {
            if (found < cap) {
                double s = 0;
                for (size_t j = start; j <= i; j++)
                    s += log(e[j]);
                out[found].t_start = t[start];
                out[found].t_end = t[i];
                out[found].level = exp(s / (double)(i - start + 1));
                out[found].escape = i + 1 < n ? t[i + 1] : NAN;
            }
            found++;
        }
        if (i == start)
            i++;
    }
    return found;
}

/* The fewest digits that give the threshold back (1e-06, 2.5e-01): one
 * digit would name 0.25 and 0.2 alike. */
void mfd_rate_threshold_name(double thr, char *buf, size_t len)
{
    char num[40];
    for (int p = 0; p < 17; p++) {
        snprintf(num, sizeof num, "%.*e", p, thr);
        if (strtod(num, NULL) == thr)
            break;
    }
    snprintf(buf, len, "iter_to_%s", num);
}

void mfd_rate_wilson(size_t k, size_t n, double z, double *lo, double *hi)
{
    if (n == 0) {
        *lo = 0;
        *hi = 1;
        return;
    }
    double nn = (double)n, p = (double)k / nn, z2 = z * z;
    double centre = (p + z2 / (2 * nn)) / (1 + z2 / nn);
    double half = z / (1 + z2 / nn) * sqrt(p * (1 - p) / nn + z2 / (4 * nn * nn));
    *lo = k == 0 ? 0.0 : fmax(0.0, centre - half); /* exact at the ends, where rounding */
    *hi = k == n ? 1.0 : fmin(1.0, centre + half);  /* would leave 1 - u or u */
}
