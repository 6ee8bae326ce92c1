/* mfd_simd.h — the vector paths of a kernel family (plain C, AVX2, AVX-512)
 * and the choice among them, shared by the families that give the same bits
 * on every path (mfd_gauss, mfd_sensbatch): each keeps its own forced path,
 * so that a test can run each family's paths one after another. */
#ifndef MFD_SIMD_H
#define MFD_SIMD_H

#include "mfd_status.h"

/* Where the AVX2 and AVX-512 paths exist: x86-64 under GCC or clang (target
 * attributes and the CPU test); elsewhere every family has its plain path
 * only. */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define MFD_SIMD_X86 1
#endif

typedef enum mfd_simd_path { MFD_SIMD_PLAIN, MFD_SIMD_AVX2, MFD_SIMD_AVX512 } mfd_simd_path;

/* The widest path this CPU and this build run (with MFD_SIMD_X86: AVX-512
 * where the CPU has AVX-512F, else AVX2 where it has AVX2; else plain);
 * asked once, the answer never changes.  Safe to call from several threads. */
mfd_simd_path mfd_simd_best(void);

/* "plain", "avx2" or "avx512". */
const char *mfd_simd_name(mfd_simd_path p);

/* A family's forced path from a name: "auto" sets *forced = −1 (the widest),
 * a path's name sets it to that path.  MFD_EINVAL for an unknown name,
 * MFD_EUNSUPPORTED for a path wider than mfd_simd_best(); either leaves
 * *forced as it was. */
mfd_status mfd_simd_force(const char *name, int *forced);

/* The path a family with that forced value takes. */
mfd_simd_path mfd_simd_current(int forced);

#endif
