"""The same GD step as bench_deep.c (N = 4, a = 1) written in NumPy on the
same OpenBLAS (Debian's numpy links libblas.so.3, which the OpenBLAS package
provides).  Prints CSV: field,d,step_s."""
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "python"))
import mfdref  # noqa: E402


def median_time(fn):
    reps = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(reps):
            fn()
        if time.perf_counter() - t0 > 0.02:
            break
        reps *= 2
    reps *= 5
    out = []
    for _ in range(5):
        t0 = time.perf_counter()
        for _ in range(reps):
            fn()
        out.append((time.perf_counter() - t0) / reps)
    return sorted(out)[2]


ds = [int(x) for x in sys.argv[1:]] or [2, 4, 8, 16, 64, 256]
rng = np.random.default_rng(1)
print("field,d,step_s")
for field in ("real", "complex"):
    for d in ds:
        if field == "real":
            S = rng.standard_normal((d, d))
            Ws = [rng.standard_normal((d, d)) / np.sqrt(d) for _ in range(4)]
        else:
            S = (rng.standard_normal((d, d)) + 1j * rng.standard_normal((d, d))) / np.sqrt(2)
            Ws = [(rng.standard_normal((d, d)) + 1j * rng.standard_normal((d, d))) / np.sqrt(2 * d) for _ in range(4)]
        t = median_time(lambda: mfdref.deep_gd_step(Ws, S, 1.0, 1e-12))
        print(f"{field},{d},{t:.6g}", flush=True)
