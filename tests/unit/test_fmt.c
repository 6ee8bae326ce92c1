/* mfd_fmt: the same bytes as snprintf("%.*g") for every kind of double and
 * every precision 1..17, and trace lines as the old fprintf loop wrote them. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mfd_fmt.h"
#include "mfd_out.h"
#include "mfd_param.h"
#include "testhelp.h"

static uint64_t sm_state = 0x9e3779b97f4a7c15u;

static uint64_t splitmix(void)
{
    uint64_t z = (sm_state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static double from_bits(uint64_t b)
{
    double x;
    memcpy(&x, &b, sizeof x);
    return x;
}

static long mismatches;

/* Compares mfd_fmt_g with snprintf at one precision (0: at all 17). */
static void same(double x, int prec)
{
    for (int p = prec ? prec : 1; p <= (prec ? prec : 17); p++) {
        char want[64], got[MFD_FMT_G_MAX];
        int wl = snprintf(want, sizeof want, "%.*g", p, x);
        int gl = mfd_fmt_g(got, x, p);
        if (wl != gl || strcmp(want, got) != 0) {
            if (mismatches < 10)
            {
                uint64_t b;
                memcpy(&b, &x, sizeof b);
                printf("  %.17g (bits %016llx) at %%.%dg: printf '%s', mfd_fmt_g '%s' (length %d)\n", x,
                       (unsigned long long)b, p, want, got, gl);
            }
            mismatches++;
        }
    }
}

static void verdict(const char *name, long cases)
{
    char line[160];
    snprintf(line, sizeof line, "%s: %ld cases, %ld differ from printf", name, cases, mismatches);
    CHECK(line, mismatches == 0);
    mismatches = 0;
}

int main(void)
{
    /* The ends of every binade, normal and subnormal: the decimal exponent's
     * estimate from the binary one is exact or one short at each. */
    long n = 0;
    for (int be = 0; be < 2047; be++) {
        for (uint64_t m = 1; m <= 2; m++) {
            uint64_t frac = m == 1 ? 0 : (UINT64_C(1) << 52) - 1;
            if (be == 0)
                frac = m == 1 ? 1 : frac;
            same(from_bits((uint64_t)be << 52 | frac), 0);
            same(-from_bits((uint64_t)be << 52 | frac), 17);
            n += 2;
        }
    }
    verdict("both ends of every binade, every precision", n);

    /* Powers of ten and their neighbours: where the exponent changes, and
     * where rounding up carries into one more digit. */
    n = 0;
    for (int k = -324; k <= 308; k++) {
        char s[32];
        snprintf(s, sizeof s, "1e%d", k);
        double t = strtod(s, NULL);
        for (int j = -3; j <= 3; j++) {
            double x = t;
            for (int i = 0; i < (j < 0 ? -j : j); i++)
                x = nextafter(x, j < 0 ? 0.0 : INFINITY);
            same(x, 0);
            n++;
        }
        for (int p = 1; p <= 17; p++) { /* 9.99..95 at p digits and its neighbours */
            snprintf(s, sizeof s, "%.*s5e%d", p + 1, "9.9999999999999999", k);
            double x = strtod(s, NULL);
            same(nextafter(x, 0.0), p);
            same(x, p);
            same(nextafter(x, INFINITY), p);
            n += 3;
        }
    }
    verdict("powers of ten and 9.99..95 at each precision, with neighbours", n);

    /* Exact decimal ties: i / 2^t has a finite decimal expansion, so at fewer
     * digits than it has, printf rounds halves to even. */
    n = 0;
    for (int i = 0; i < 200000; i++) {
        uint64_t r = splitmix();
        int t = (int)(r % 40);
        double x = ldexp((double)(r >> 20 & ((UINT64_C(1) << 24) - 1)), -t);
        same(x, 0);
        same(ldexp((double)(r >> 11), (int)(r % 7)), 0); /* integers up to 2^59 */
        n += 2;
    }
    for (int i = 0; i < 10000; i++) { /* n + 1/2 and n + 1/4 for small n */
        same(i + 0.5, 0);
        same(i * 10 + 0.25, 0);
        same(-(i + 0.125), 0);
        n += 3;
    }
    verdict("exact decimal ties (dyadic fractions, large integers), every precision", n);

    /* Random bit patterns: every exponent, every precision, subnormals. */
    n = 0;
    for (int i = 0; i < 300000; i++) {
        uint64_t b = splitmix();
        same(from_bits(b), 17);
        same(from_bits(b), (int)(b >> 3) % 17 + 1);
        same(from_bits(b & ~(UINT64_C(0x7ff) << 52)), (int)(b % 17) + 1); /* subnormal */
        n += 3;
    }
    verdict("random bit patterns, random precisions, subnormals", n);

    /* What traces hold: log-uniform magnitudes from 1e-40 to 1e22. */
    n = 0;
    for (int i = 0; i < 300000; i++) {
        uint64_t b = splitmix();
        double x = pow(10.0, -40.0 + 62.0 * (double)(b >> 11) * 0x1p-53);
        same(b & 1 ? -x : x, 17);
        same(x, 15);
        same(x, 16);
        n += 3;
    }
    verdict("log-uniform magnitudes 1e-40..1e22 at 15, 16, 17 digits", n);

    const double special[] = {0.0, -0.0, INFINITY, -INFINITY, NAN, -NAN, DBL_MAX, -DBL_MAX, DBL_MIN,
                              DBL_TRUE_MIN, 1e17, 1e18, 99999999999999999.0, 9.2233720368547758e18,
                              0x1p63, 0x1p62, 0x1p57, 0x1p56, 1e16, 123456789012345678.0, 1e-5, 1e-4,
                              9.99999999999999999e-5, 0.5, 1.0, 0.1, 1.0 / 3.0, 3.141592653589793};
    for (size_t i = 0; i < sizeof special / sizeof special[0]; i++)
        same(special[i], 0);
    verdict("zeros, infinities, NaNs, the range's ends, the fast path's edges", (long)(17 * sizeof special / sizeof special[0]));

    /* A trace line, as the fprintf loop wrote it. */
    {
        const double v[] = {0.0, 2.6449999950273195e-06, 1.9727712606196595, -23.646004054014746, NAN, 1e300, 40000};
        char want[512], got[sizeof v / sizeof v[0] * MFD_FMT_G_MAX];
        size_t wl = 0;
        for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
            wl += (size_t)snprintf(want + wl, sizeof want - wl, i ? ",%.17g" : "%.17g", v[i]);
        size_t gl = mfd_fmt_row(got, v, sizeof v / sizeof v[0]);
        CHECK("a trace line: the fprintf loop's bytes", gl == wl && memcmp(got, want, wl) == 0);
    }

    /* mfd_out_trace_row writes 64 values at a time: a row of 150 crosses two
     * of its chunks and must read as the fprintf loop's. */
    {
        enum { NC = 150 };
        double v[NC];
        const char *cols[NC];
        char err[256], want[NC * MFD_FMT_G_MAX + 8], got[sizeof want];
        size_t wl = 0;
        for (size_t i = 0; i < NC; i++) {
            v[i] = from_bits(splitmix());
            cols[i] = "c";
            wl += (size_t)snprintf(want + wl, sizeof want - wl, i ? ",%.17g" : "%.17g", v[i]);
        }
        want[wl++] = '\n';
        mfd_out o;
        int ok = mfd_out_open(&o, "test_fmt_out", err, sizeof err) == MFD_OK &&
                 mfd_out_trace_begin(&o, NULL, cols, NC, err, sizeof err) == MFD_OK &&
                 mfd_out_trace_row(&o, v, err, sizeof err) == MFD_OK;
        mfd_out_close(&o);
        FILE *f = fopen("test_fmt_out/trace.csv.part", "r");
        size_t gl = 0;
        if (f) {
            char head[NC * 2 + 8];
            ok = ok && fgets(head, sizeof head, f) != NULL; /* the header row */
            gl = fread(got, 1, sizeof got, f);
            fclose(f);
        }
        CHECK("a trace row of 150 values (three chunks) as the fprintf loop wrote it",
              ok && f && gl == wl && memcmp(got, want, wl) == 0);
    }

    /* mfd_format_real, now on mfd_fmt_g: the shortest of 15, 16, 17 digits
     * that reads back. */
    {
        char b[64];
        mfd_format_real(b, sizeof b, 0.1);
        CHECK("mfd_format_real(0.1) is '0.1'", strcmp(b, "0.1") == 0);
        mfd_format_real(b, sizeof b, 18.587983464664781);
        CHECK("mfd_format_real takes 16 digits where 15 do not read back", strcmp(b, "18.58798346466478") == 0);
        mfd_format_real(b, sizeof b, 0.49999711005329955);
        CHECK("mfd_format_real takes 17 digits where 16 do not read back", strcmp(b, "0.49999711005329955") == 0);
        mfd_format_real(b, sizeof b, -INFINITY);
        CHECK("mfd_format_real(-inf) is '-inf'", strcmp(b, "-inf") == 0);
    }
    TEST_REPORT();
}
