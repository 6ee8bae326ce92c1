/* testhelp.h — the whole test harness: one PASS/FAIL line per check, with the
 * tolerance it used; the executable's exit status is the number of failures
 * (capped), so CTest sees any failure. */
#ifndef TESTHELP_H
#define TESTHELP_H

#include <math.h>
#include <stdio.h>

static int th_failed = 0, th_checks = 0;

#define CHECK(name, cond)                                                      \
    do {                                                                       \
        th_checks++;                                                           \
        if (cond) {                                                            \
            printf("PASS %s\n", name);                                         \
        } else {                                                               \
            printf("FAIL %s  [%s:%d]\n", name, __FILE__, __LINE__);            \
            th_failed++;                                                       \
        }                                                                      \
    } while (0)

/* |got - want| <= tol, printing both values and the tolerance. */
#define CHECK_CLOSE(name, got, want, tol)                                                        \
    do {                                                                                         \
        double th_g = (got), th_w = (want), th_t = (tol);                                        \
        th_checks++;                                                                             \
        if (fabs(th_g - th_w) <= th_t) {                                                         \
            printf("PASS %s  (got %.6g, want %.6g, tol %.2g)\n", name, th_g, th_w, th_t);       \
        } else {                                                                                 \
            printf("FAIL %s  (got %.17g, want %.17g, |diff| %.3g > tol %.3g)  [%s:%d]\n", name, \
                   th_g, th_w, fabs(th_g - th_w), th_t, __FILE__, __LINE__);                     \
            th_failed++;                                                                         \
        }                                                                                        \
    } while (0)

/* got <= bound */
#define CHECK_LE(name, got, bound)                                                              \
    do {                                                                                        \
        double th_g = (got), th_b = (bound);                                                    \
        th_checks++;                                                                            \
        if (th_g <= th_b) {                                                                     \
            printf("PASS %s  (%.6g <= %.3g)\n", name, th_g, th_b);                             \
        } else {                                                                                \
            printf("FAIL %s  (%.17g > %.3g)  [%s:%d]\n", name, th_g, th_b, __FILE__, __LINE__); \
            th_failed++;                                                                        \
        }                                                                                       \
    } while (0)

#define TEST_REPORT()                                                              \
    do {                                                                           \
        printf("%d checks, %d failed\n", th_checks, th_failed);                    \
        return th_failed > 100 ? 100 : th_failed;                                  \
    } while (0)

/* Unit roundoff of double precision. */
#define TH_U 1.1102230246251565e-16

#endif
