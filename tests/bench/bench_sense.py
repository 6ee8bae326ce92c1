"""The same sensing step as bench_sense.c in NumPy (A as an (m, n^2) array on
the same OpenBLAS).  Prints CSV: n,m,step_s."""
import sys
import time

import numpy as np

rng = np.random.default_rng(1)
print("n,m,step_s")
for n, m in [(10, 100), (20, 400), (50, 2500), (100, 10000), (200, 5000)]:
    k = 5
    G = rng.standard_normal((m, n, n))
    A = ((G + G.transpose(0, 2, 1)) / (2 * np.sqrt(m))).reshape(m, n * n)
    del G
    U = np.linalg.qr(rng.standard_normal((n, 2)))[0]
    M = U @ np.diag([1.0, 0.5]) @ U.T
    y = A @ M.ravel()
    X = 0.1 * rng.standard_normal((n, k))

    def step():
        global X
        r = A @ (X @ X.T).ravel() - y
        Z = (A.T @ r).reshape(n, n)
        Z = 0.5 * (Z + Z.T)
        X = X - 1e-12 * (Z @ X)

    reps = 5 if m * n * n > 1e7 else 50
    best = 1e30
    for _ in range(reps):
        t0 = time.perf_counter()
        step()
        best = min(best, time.perf_counter() - t0)
    print(f"{n},{m},{best:.6g}", flush=True)
    del A
