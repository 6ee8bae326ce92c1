"""NumPy reference implementations for mfdyn's tests and benchmarks.

deep_grads_definition: the gradient of THEORY.md section 1 straight from its
definition, A_j^H (W - S) B_j^H + a (D_j W_j - W_j D_{j-1}) with the products
A_j, B_j formed naively -- independent of the C code's prefix/suffix scheme.

deep_gd_step: the same GD step written efficiently (prefix products once,
suffix products accumulated top-down), what a careful NumPy user would write;
the benchmark times it against mfd-deep.

gauss_row, gaussian_operator: the Gaussian sensing operator regenerated from
the definition in README.md (src/core/mfd_gauss.h) with NumPy's float64
arithmetic, which must give mfd-sense's operator bit for bit.
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


# ---- the Gaussian generator of src/core/mfd_gauss.h, operation by operation
_LG = [6.666666666666735130e-01, 3.999999999940941908e-01, 2.857142874366239149e-01, 2.222219843214978396e-01,
       1.818357216161805012e-01, 1.531383769920937332e-01, 1.479819860511658591e-01]
_LN2_HI, _LN2_LO = 6.93147180369123816490e-01, 1.90821492927058770002e-10
_S = [-1.66666666666666324348e-01, 8.33333333332248946124e-03, -1.98412698298579493134e-04,
      2.75573137070700676789e-06, -2.50507602534068634195e-08, 1.58969099521155010221e-10]
_C = [4.16666666666666019037e-02, -1.38888888888741095749e-03, 2.48015872894767294178e-05,
      -2.75573143513906633035e-07, 2.08757232129817482790e-09, -1.13596475577881948265e-11]
_PIO2 = 1.57079632679489661923
_U_SHIFT = float.fromhex("0x1.fffffffffffffp-1")  # 1 - 2^-53
_EXP_SHIFT = float.fromhex("0x1.00000000003ffp+52")  # 2^52 + 1023
_U = np.uint64


def _philox4x32_10(c, k0, k1):
    """Philox4x32-10 (Random123) on arrays of 32-bit counter words held in uint64."""
    lo = _U(0xFFFFFFFF)
    c = [np.asarray(w, dtype=np.uint64) & lo for w in c]
    for _ in range(10):
        p0, p1 = c[0] * _U(0xD2511F53), c[2] * _U(0xCD9E8D57)
        c = [((p1 >> _U(32)) ^ c[1] ^ _U(k0)) & lo, p1 & lo, ((p0 >> _U(32)) ^ c[3] ^ _U(k1)) & lo, p0 & lo]
        k0, k1 = (k0 + 0x9E3779B9) & 0xFFFFFFFF, (k1 + 0xBB67AE85) & 0xFFFFFFFF
    return c


def _dbl(bits):
    return bits.view(np.float64)


def _ln(u):
    """fdlibm's ln on (0, 1), the hfsq branch, in mfd_gauss's operation order."""
    ix = u.view(np.uint64) + _U(0x00095F6200000000)
    dk = _dbl(_U(0x4330000000000000) | (ix >> _U(52))) - _EXP_SHIFT
    f = _dbl((ix & _U(0x000FFFFFFFFFFFFF)) + _U(0x3FE6A09E00000000)) - 1.0
    s = f / (2.0 + f)
    z = s * s
    w = z * z
    t1 = w * (_LG[1] + w * (_LG[3] + w * _LG[5]))
    t2 = z * (_LG[0] + w * (_LG[2] + w * (_LG[4] + w * _LG[6])))
    R = t2 + t1
    hfsq = 0.5 * f * f
    return dk * _LN2_HI - ((hfsq - (s * (hfsq + R) + dk * _LN2_LO)) - f)


def _box_muller(x0, x1, x2, x3):
    """The cosine and sine normals of Philox blocks with output words x0..x3."""
    mant, one = _U(0x000FFFFFFFFFFFFF), _U(0x3FF0000000000000)
    w1, w2 = (x0 << _U(32)) | x1, (x2 << _U(32)) | x3
    u = _dbl((w1 & mant) | one) - _U_SHIFT
    x = (_dbl((w2 & mant) | one) - 1.5) * _PIO2
    rad = np.sqrt(-2.0 * _ln(u))
    z = x * x
    v = z * x
    sn = x + v * (_S[0] + z * (_S[1] + z * (_S[2] + z * (_S[3] + z * (_S[4] + z * _S[5])))))
    r = z * (_C[0] + z * (_C[1] + z * _C[2])) + (z * z) * (z * z) * (_C[3] + z * (_C[4] + z * _C[5]))
    hz = 0.5 * z
    om = 1.0 - hz
    cs = om + (((1.0 - om) - hz) + z * r)
    q = w2 >> _U(62)
    odd, neg_c, neg_s = (q & _U(1)) == 1, (q == 1) | (q == 2), q >= 2
    a, b = np.where(odd, sn, cs), np.where(odd, cs, sn)
    return rad * np.where(neg_c, -a, a), rad * np.where(neg_s, -b, b)


def gauss_row(seed, stream, row, n):
    """Entries 0..n-1 of row `row`: entry e from block 8(e // 16) + e % 8,
    the cosine half when e % 16 < 8, the sine half otherwise."""
    e = np.arange(n)
    blocks = np.arange(8 * ((n + 15) // 16), dtype=np.uint64)
    c = [blocks, np.full_like(blocks, row & 0xFFFFFFFF), np.full_like(blocks, row >> 32), np.full_like(blocks, stream)]
    gc, gs = _box_muller(*_philox4x32_10(c, seed & 0xFFFFFFFF, seed >> 32))
    b = 8 * (e // 16) + e % 8
    return np.where(e % 16 < 8, gc[b], gs[b])


def gaussian_operator(seed, m, n1, n2, symmetrized):
    """The (m, n1, n2) stack of A_k = G_k / sqrt(m) (stream 3, the operator's),
    G_k's entry i + j n1 being entry (i, j); symmetrized: (A_k + A_k^T) / 2."""
    A = np.empty((m, n1, n2))
    for k in range(m):
        A[k] = (1.0 / np.sqrt(float(m)) * gauss_row(seed, 3, k, n1 * n2)).reshape((n2, n1)).T
        if symmetrized:
            A[k] = 0.5 * (A[k] + A[k].T)
    return A
