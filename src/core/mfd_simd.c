#include "mfd_simd.h"

#include <string.h>

static const char *const names[] = {"plain", "avx2", "avx512"};

mfd_simd_path mfd_simd_best(void)
{
#ifdef MFD_SIMD_X86
    /* threads that come first together compute the same answer; the atomic
     * accesses make their stores and loads of it well defined */
    static int cached = -1;
    int p = __atomic_load_n(&cached, __ATOMIC_RELAXED);
    if (p < 0) {
        __builtin_cpu_init();
        p = __builtin_cpu_supports("avx512f") ? MFD_SIMD_AVX512
            : __builtin_cpu_supports("avx2")  ? MFD_SIMD_AVX2
                                              : MFD_SIMD_PLAIN;
        __atomic_store_n(&cached, p, __ATOMIC_RELAXED);
    }
    return (mfd_simd_path)p;
#else
    return MFD_SIMD_PLAIN;
#endif
}

const char *mfd_simd_name(mfd_simd_path p) { return names[p]; }

mfd_status mfd_simd_force(const char *name, int *forced)
{
    if (strcmp(name, "auto") == 0) {
        *forced = -1;
        return MFD_OK;
    }
    for (int p = MFD_SIMD_PLAIN; p <= MFD_SIMD_AVX512; p++)
        if (strcmp(name, names[p]) == 0) {
            if (p > (int)mfd_simd_best())
                return MFD_EUNSUPPORTED;
            *forced = p;
            return MFD_OK;
        }
    return MFD_EINVAL;
}

mfd_simd_path mfd_simd_current(int forced) { return forced >= 0 ? (mfd_simd_path)forced : mfd_simd_best(); }
