/* Fuzzing the .npy reader: any bytes give an array (float64 or complex128,
 * C or Fortran order, up to 3 dimensions) or a clear error, never a crash,
 * an over-read or a huge allocation from a lying header. */
#include <stdint.h>

#include "mfd_npy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mfd_npy a;
    char err[512];
    if (mfd_npy_parse(data, size, "fuzz.npy", &a, err, sizeof err) == MFD_OK)
        mfd_npy_free(&a);
    return 0;
}
