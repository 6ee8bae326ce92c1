"""NumPy reference implementations for mfdyn's tests and benchmarks.

deep_grads_definition: the gradient of THEORY.md section 1 straight from its
definition, A_j^H (W - S) B_j^H + a (D_j W_j - W_j D_{j-1}) with the products
A_j, B_j formed naively -- independent of the C code's prefix/suffix scheme.

deep_gd_step: the same GD step written efficiently (prefix products once,
suffix products accumulated top-down), what a careful NumPy user would write;
the benchmark times it against mfd-deep.
"""
import numpy as np


def _h(x):
    return x.conj().T


def deep_loss(Ws, S, a):
    W = Ws[0]
    for Wj in Ws[1:]:
        W = Wj @ W
    L = 0.5 * np.linalg.norm(W - S) ** 2
    for j in range(len(Ws) - 1):
        D = Ws[j] @ _h(Ws[j]) - _h(Ws[j + 1]) @ Ws[j + 1]
        L += 0.25 * a * np.linalg.norm(D) ** 2
    return L


def deep_grads_definition(Ws, S, a):
    N = len(Ws)

    def prod(lo, hi, n_rows):  # W_hi ... W_lo (0-based, inclusive); identity if empty
        M = np.eye(n_rows, dtype=Ws[0].dtype)
        for j in range(lo, hi + 1):
            M = Ws[j] @ M
        return M

    W = prod(0, N - 1, Ws[0].shape[1])
    E = W - S
    D = [Ws[j] @ _h(Ws[j]) - _h(Ws[j + 1]) @ Ws[j + 1] for j in range(N - 1)]
    G = []
    for j in range(N):
        A = prod(j + 1, N - 1, Ws[j].shape[0])  # W_N ... W_{j+1}
        B = prod(0, j - 1, Ws[0].shape[1])  # W_{j-1} ... W_1
        g = _h(A) @ E @ _h(B)
        if j < N - 1:
            g = g + a * D[j] @ Ws[j]
        if j > 0:
            g = g - a * Ws[j] @ D[j - 1]
        G.append(g)
    return G


def deep_gd_step(Ws, S, a, eta):
    """One GD step in place on the list Ws; returns the loss before the step."""
    N = len(Ws)
    P = [Ws[0]]
    for j in range(1, N):
        P.append(Ws[j] @ P[-1])
    E = P[-1] - S
    L = 0.5 * np.vdot(E, E).real
    G = [None] * N
    T = E
    for j in range(N - 1, 0, -1):
        G[j] = T @ _h(P[j - 1])
        T = _h(Ws[j]) @ T
    G[0] = T
    if a > 0:
        D = [Ws[j] @ _h(Ws[j]) - _h(Ws[j + 1]) @ Ws[j + 1] for j in range(N - 1)]
        for j in range(N):
            if j < N - 1:
                G[j] += a * (D[j] @ Ws[j])
            if j > 0:
                G[j] -= a * (Ws[j] @ D[j - 1])
        L += 0.25 * a * sum(np.vdot(Dj, Dj).real for Dj in D)
    for j in range(N):
        Ws[j] -= eta * G[j]
    return L


def read_trace(path):
    """trace.csv -> dict of column name -> numpy array (metadata lines skipped)."""
    with open(path) as f:
        lines = [l for l in f if not l.startswith("#")]
    names = lines[0].strip().split(",")
    data = np.array([[float(x) for x in l.split(",")] for l in lines[1:]])
    return {n: data[:, i] for i, n in enumerate(names)}


def read_summary(path):
    with open(path) as f:
        head, row = f.read().strip().split("\n")
    return dict(zip(head.split(","), row.split(",")))
