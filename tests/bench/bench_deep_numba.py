"""The GD step of bench_deep.py (N = 4, a = 1; tests/python/mfdref.py's
deep_gd_step) compiled by numba (Debian's python3-numba), as the anchor of a
JIT compiler for the small sizes: the products are written as loops, which
numba compiles to machine code, and many steps run inside one compiled call,
so no Python overhead is timed.  Prints CSV: field,d,step_s; prints nothing
but the header when numba is missing."""
import sys
import time

import numpy as np

try:
    import numba
except ImportError:  # the bench table then says n/a
    numba = None

print("field,d,step_s")
if numba is None:
    sys.exit(0)


@numba.njit(cache=False)
def mm(A, B, out, ha, hb):
    """out = op(A) op(B), op the conjugate transpose where ha, hb say."""
    d = out.shape[0]
    for i in range(d):
        for j in range(d):
            s = A[0, 0] * 0.0  # zero of the field's type (out may hold anything before it is written)
            for p in range(d):
                x = np.conj(A[p, i]) if ha else A[i, p]
                y = np.conj(B[j, p]) if hb else B[p, j]
                s += x * y
            out[i, j] = s


@numba.njit(cache=False)
def axpy(alpha, X, Y):
    """Y += alpha X, in place."""
    d = X.shape[0]
    for i in range(d):
        for j in range(d):
            Y[i, j] += alpha * X[i, j]


@numba.njit(cache=False)
def steps(W, S, a, eta, nsteps):
    N, d, _ = W.shape
    P = np.empty_like(W)
    G = np.empty_like(W)
    D = np.empty_like(W)
    T = np.empty_like(S)
    T2 = np.empty_like(S)
    X = np.empty_like(S)
    for _ in range(nsteps):
        P[0, :, :] = W[0]
        for j in range(1, N):
            mm(W[j], P[j - 1], P[j], False, False)
        for i in range(d):
            for k in range(d):
                T[i, k] = P[N - 1, i, k] - S[i, k]
        for j in range(N - 1, 0, -1):
            mm(T, P[j - 1], G[j], False, True)
            mm(W[j], T, T2, True, False)
            T[:, :] = T2
        G[0, :, :] = T
        for j in range(N - 1):
            mm(W[j], W[j], D[j], False, True)
            mm(W[j + 1], W[j + 1], X, True, False)
            axpy(-1.0, X, D[j])
        for j in range(N):
            if j < N - 1:
                mm(D[j], W[j], X, False, False)
                axpy(a, X, G[j])
            if j > 0:
                mm(W[j], D[j - 1], X, False, False)
                axpy(-a, X, G[j])
        for j in range(N):
            axpy(-eta, G[j], W[j])
    return W


def median_time(fn):
    reps = 1
    while True:
        t0 = time.perf_counter()
        fn(reps)
        if time.perf_counter() - t0 > 0.05:
            break
        reps *= 2
    out = []
    for _ in range(5):
        t0 = time.perf_counter()
        fn(reps)
        out.append((time.perf_counter() - t0) / reps)
    return sorted(out)[2]


ds = [int(x) for x in sys.argv[1:]] or [2, 4, 8]
rng = np.random.default_rng(1)
for field in ("real", "complex"):
    for d in ds:
        if field == "real":
            S = rng.standard_normal((d, d))
            W = rng.standard_normal((4, d, d)) / np.sqrt(d)
        else:
            S = (rng.standard_normal((d, d)) + 1j * rng.standard_normal((d, d))) / np.sqrt(2)
            W = (rng.standard_normal((4, d, d)) + 1j * rng.standard_normal((4, d, d))) / np.sqrt(2 * d)
        steps(W, S, 1.0, 1e-12, 1)  # compile for these types
        t = median_time(lambda k: steps(W, S, 1.0, 1e-12, k))
        print(f"{field},{d},{t:.6g}", flush=True)
