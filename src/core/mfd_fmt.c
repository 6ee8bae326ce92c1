/* mfd_fmt.c - "%.*g" by exact integer arithmetic (see mfd_fmt.h).
 *
 * A finite x != 0 is m 2^e with m < 2^53.  With E0 = floor(floor(log2|x|)
 * log10 2) the decimal exponent E of |x| is E0 or E0 + 1, and for k = prec - 1
 * - E0 >= 0 the integer m 10^k (at most 53 + 1130 bits) shifted right by -e
 * is floor(|x| 10^k), with prec or prec + 1 digits; the bits shifted out are
 * the exact remainder.  That is all the rounding needs: no approximation, so
 * no case where the answer could be wrong.
 */
#include "mfd_fmt.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#ifdef __SIZEOF_INT128__
#define FMT_EXACT 1
/* m 10^k for k <= 16 + 324 needs at most 53 + 1130 bits. */
#define FMT_LIMBS 20

static const uint64_t pow10_u64[20] = {UINT64_C(1),
                                       UINT64_C(10),
                                       UINT64_C(100),
                                       UINT64_C(1000),
                                       UINT64_C(10000),
                                       UINT64_C(100000),
                                       UINT64_C(1000000),
                                       UINT64_C(10000000),
                                       UINT64_C(100000000),
                                       UINT64_C(1000000000),
                                       UINT64_C(10000000000),
                                       UINT64_C(100000000000),
                                       UINT64_C(1000000000000),
                                       UINT64_C(10000000000000),
                                       UINT64_C(100000000000000),
                                       UINT64_C(1000000000000000),
                                       UINT64_C(10000000000000000),
                                       UINT64_C(100000000000000000),
                                       UINT64_C(1000000000000000000),
                                       UINT64_C(10000000000000000000)};

/* floor(l log10 2) for |l| <= 1100: 78913 / 2^18 is log10 2 to within
 * 8e-7, and no l in that range has l log10 2 that close above an integer
 * (unit_fmt formats both ends of every binade, which a wrong floor here
 * would get wrong). */
static int floor_log10_pow2(int l)
{
    return (l * 78913) >> 18;
}
#endif

static int fmt_fallback(char *buf, double x, int prec)
{
    return snprintf(buf, MFD_FMT_G_MAX, "%.*g", prec, x);
}

int mfd_fmt_g(char *buf, double x, int prec)
{
#ifdef FMT_EXACT
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    int be = (int)(bits >> 52 & 0x7ff);
    uint64_t m = bits & ((UINT64_C(1) << 52) - 1);
    if (be == 0x7ff || prec < 1 || prec > 17)
        return fmt_fallback(buf, x, prec);
    int e = be ? be - 1075 : -1074;
    if (be)
        m |= UINT64_C(1) << 52;
    else if (m == 0)
        return fmt_fallback(buf, x, prec); /* "0" or "-0" */
    int l2 = e + 63 - __builtin_clzll(m); /* 2^l2 <= |x| < 2^(l2 + 1) */
    int E = floor_log10_pow2(l2);         /* the decimal exponent, or one less */
    int k = prec - 1 - E;
    if (k < 0 || l2 >= 63)
        return fmt_fallback(buf, x, prec);
    if (e > 0) { /* an integer below 2^63 */
        m <<= e;
        e = 0;
    }

    uint64_t big[FMT_LIMBS] = {m};
    int n = 1;
    for (int left = k; left > 0;) {
        int s = left > 19 ? 19 : left;
        left -= s;
        uint64_t carry = 0;
        for (int i = 0; i < n; i++) {
            unsigned __int128 t = (unsigned __int128)big[i] * pow10_u64[s] + carry;
            big[i] = (uint64_t)t;
            carry = (uint64_t)(t >> 64);
        }
        if (carry)
            big[n++] = carry;
    }
    /* q = floor(|x| 10^k) < 10^(prec + 1); half and rest describe the bits
     * below: the first of them, and whether any after it is set. */
    uint64_t q;
    int half = 0, rest = 0;
    if (e == 0) {
        q = big[0];
    } else {
        int s = -e, w = s / 64, b = s % 64;
        q = big[w] >> b;
        if (b)
            q |= big[w + 1] << (64 - b);
        int hb = s - 1;
        half = (int)(big[hb / 64] >> (hb % 64) & 1);
        for (int i = 0; i < hb / 64 && !rest; i++)
            rest = big[i] != 0;
        if (hb % 64)
            rest |= (big[hb / 64] & ((UINT64_C(1) << (hb % 64)) - 1)) != 0;
    }
    int up;
    if (q >= pow10_u64[prec]) { /* E0 + 1: one digit more than asked */
        unsigned dig = (unsigned)(q % 10);
        q /= 10;
        E++;
        up = dig > 5 || (dig == 5 && (half || rest || (q & 1)));
    } else {
        up = half && (rest || (q & 1));
    }
    if (up && ++q == pow10_u64[prec]) {
        q = pow10_u64[prec - 1];
        E++;
    }

    char d[17];
    for (int i = prec - 1; i >= 0; i--) {
        d[i] = (char)('0' + q % 10);
        q /= 10;
    }
    int nd = prec; /* significant digits after the trailing zeros go */
    while (nd > 1 && d[nd - 1] == '0')
        nd--;
    char *p = buf;
    if (bits >> 63)
        *p++ = '-';
    if (E < -4 || E >= prec) {
        *p++ = d[0];
        if (nd > 1) {
            *p++ = '.';
            memcpy(p, d + 1, (size_t)nd - 1);
            p += nd - 1;
        }
        *p++ = 'e';
        *p++ = E < 0 ? '-' : '+';
        int ex = E < 0 ? -E : E;
        if (ex >= 100)
            *p++ = (char)('0' + ex / 100);
        *p++ = (char)('0' + ex / 10 % 10);
        *p++ = (char)('0' + ex % 10);
    } else if (E >= 0) {
        int ip = E + 1;
        memcpy(p, d, (size_t)ip);
        p += ip;
        if (nd > ip) {
            *p++ = '.';
            memcpy(p, d + ip, (size_t)(nd - ip));
            p += nd - ip;
        }
    } else {
        *p++ = '0';
        *p++ = '.';
        for (int i = 0; i < -E - 1; i++)
            *p++ = '0';
        memcpy(p, d, (size_t)nd);
        p += nd;
    }
    *p = '\0';
    return (int)(p - buf);
#else
    return fmt_fallback(buf, x, prec);
#endif
}

size_t mfd_fmt_row(char *buf, const double *v, size_t ncols)
{
    char *p = buf;
    for (size_t i = 0; i < ncols; i++) {
        if (i)
            *p++ = ',';
        p += mfd_fmt_g(p, v[i], 17);
    }
    return (size_t)(p - buf);
}
