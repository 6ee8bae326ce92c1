/* mfd_fmt.h - decimal text of doubles, the bytes printf writes, faster.
 *
 * Every number in trace.csv is printf's "%.17g" and every key in run.ini and
 * summary.csv the shortest of "%.15g", "%.16g", "%.17g" that reads back to the
 * same double.  A sweep formats hundreds of millions of them, and glibc's
 * printf spends most of its time outside the conversion (format parsing, the
 * stream, its general multi-precision rounding).  mfd_fmt_g produces the same
 * bytes by exact integer arithmetic: the double m 2^e times 10^k as a
 * multi-word integer, the digits its integer part, rounded half to even on the
 * exact remainder (printf's rounding in the default rounding mode).  Numbers
 * the exact path does not cover (not finite, or at least 10^(prec+1) or so:
 * there the scale would be a division) go to snprintf itself.
 *
 * unit_fmt compares both functions with snprintf over random bit patterns of
 * every exponent, decimal ties, powers of ten and their neighbours,
 * subnormals and each precision.
 */
#ifndef MFD_FMT_H
#define MFD_FMT_H

#include <stddef.h>

/* Longest text mfd_fmt_g writes, with its terminating zero:
 * "-1.2345678901234567e-308". */
#define MFD_FMT_G_MAX 32

/* snprintf(buf, MFD_FMT_G_MAX, "%.*g", prec, x) for 1 <= prec <= 17, in the
 * default rounding mode; returns the length written (without the zero). */
int mfd_fmt_g(char *buf, double x, int prec);

/* The ncols values of v as a trace line's fields ("%.17g" joined by commas,
 * no line end) at buf, which holds at least ncols * MFD_FMT_G_MAX bytes;
 * returns their length. */
size_t mfd_fmt_row(char *buf, const double *v, size_t ncols);

#endif
