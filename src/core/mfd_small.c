#include "mfd_small.h"

#include <stdbool.h>

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

void mfd_small_dgemm(char opa, char opb, size_t m, size_t n, size_t k, double alpha, const double *A,
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

void mfd_small_zgemm(char opa, char opb, size_t m, size_t n, size_t k, double alpha, const double *A,
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
