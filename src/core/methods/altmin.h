/* altmin.h — what a program may ask of altmin before it runs. */
#ifndef MFD_ALTMIN_H
#define MFD_ALTMIN_H

#include <stddef.h>

/* Bytes altmin needs on a stored sensing operator: the design (n k) × m, the
 * normal matrix (n k) × (n k) and its right-hand side, n = max(n1, n2); 0 if
 * the count overflows. */
size_t mfd_altmin_bytes(size_t m, size_t n1, size_t n2, size_t k);

#endif
