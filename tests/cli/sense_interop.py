"""A NumPy user hands mfd-sense an exact sensing problem (target_file,
operator_file, y_file, x0_file or f0_file/g0_file) and compares the
trajectory with NumPy's gradient descent written from THEORY.md's formulas.
usage: sense_interop.py <mfd-sense> <workdir>"""
import os
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "python"))
import mfdref  # noqa: E402

exe, work = sys.argv[1], sys.argv[2]
os.makedirs(work, exist_ok=True)
rng = np.random.default_rng(8)
failed = 0


def check(name, ok, detail=""):
    global failed
    print(("PASS " if ok else "FAIL ") + name + (f"  ({detail})" if detail else ""))
    failed += not ok


def save(name, a):
    path = os.path.join(work, name)
    np.save(path, a)
    return path


for model in ("sym", "asym"):
    n1, n2, k, r, m, K, eta = 6, (6 if model == "sym" else 5), 3, 2, 50, 40, 0.05
    U = np.linalg.qr(rng.standard_normal((n1, r)))[0]
    V = U if model == "sym" else np.linalg.qr(rng.standard_normal((n2, r)))[0]
    M = U @ np.diag([1.0, 0.6]) @ V.T
    A = rng.standard_normal((m, n1, n2)) / np.sqrt(m)
    y = np.einsum("kij,ij->k", A, M) + 0.01 * rng.standard_normal(m)
    F = 0.3 * rng.standard_normal((n1, k))
    G = F if model == "sym" else 0.3 * rng.standard_normal((n2, k))
    args = [exe, f"model={model}", f"target_file={save('M.npy', M)}", f"operator_file={save('A.npy', A)}",
            f"y_file={save('y.npy', y)}", f"eta={eta}", f"iters={K}", "tol=0", "log_every=1", "save_final=1"]
    if model == "sym":
        args.append(f"x0_file={save('X0.npy', F)}")
    else:
        args += [f"f0_file={save('F0.npy', F)}", f"g0_file={save('G0.npy', G)}"]
    out = os.path.join(work, model)
    res = subprocess.run(args + [f"out={out}"], capture_output=True, text=True)
    check(f"{model}: mfd-sense runs on NumPy inputs", res.returncode == 0, res.stderr.strip())
    if res.returncode != 0:
        continue
    Fn, Gn, losses, errs = F.copy(), G.copy(), [], []
    for _ in range(K + 1):
        P = Fn @ Gn.T
        res_ = np.einsum("kij,ij->k", A, P) - y
        Z = np.einsum("k,kij->ij", res_, A)
        losses.append((0.25 if model == "sym" else 0.5) * res_ @ res_)
        errs.append(np.linalg.norm(P - M) / np.linalg.norm(M))
        if model == "sym":
            Fn = Fn - eta * 0.5 * (Z + Z.T) @ Fn
            Gn = Fn
        else:
            Fn, Gn = Fn - eta * Z @ Gn, Gn - eta * Z.T @ Fn
    # the last update above went one step past the run's K iterations: redo without it
    Fk, Gk = F.copy(), G.copy()
    for _ in range(K):
        P = Fk @ Gk.T
        Z = np.einsum("k,kij->ij", np.einsum("kij,ij->k", A, P) - y, A)
        if model == "sym":
            Fk = Fk - eta * 0.5 * (Z + Z.T) @ Fk
            Gk = Fk
        else:
            Fk, Gk = Fk - eta * Z @ Gk, Gk - eta * Z.T @ Fk
    Fc = np.load(os.path.join(out, "final", "X.npy" if model == "sym" else "F.npy"))
    err = np.abs(Fc - Fk).max()
    if model == "asym":
        err = max(err, np.abs(np.load(os.path.join(out, "final", "G.npy")) - Gk).max())
    tol = 100 * K * n1 * 2.2e-16
    check(f"{model}: final factors equal NumPy's GD after {K} steps", err <= tol, f"{err:.3g} <= {tol:.3g}")
    tr = mfdref.read_trace(os.path.join(out, "trace.csv"))
    rl = np.max(np.abs(tr["loss"] - np.array(losses)) / np.array(losses))
    re = np.max(np.abs(tr["rel_err"] - np.array(errs)) / np.array(errs))
    check(f"{model}: every logged loss and rel_err equals NumPy's", len(tr["loss"]) == K + 1 and rl <= 1e-12 and re <= 1e-12,
          f"{rl:.3g}, {re:.3g}")

# The stored Gaussian operators that mfd-sense writes (save_inputs=1) are the
# README's generator, regenerated here with NumPy's float64 arithmetic: bit
# for bit (A_k of 30 and 36 entries: partial groups of the generator).
for op, n1, n2 in (("gaussian", 6, 5), ("gaussian_sym", 6, 6)):
    seed, m = 987654321012, 9
    out = os.path.join(work, op)
    shape = ["model=sym", f"n={n1}"] if op == "gaussian_sym" else ["model=asym", f"n1={n1}", f"n2={n2}"]
    res = subprocess.run([exe, f"operator={op}", *shape, "k=2", "r=1", f"m={m}", f"seed={seed}", "iters=1",
                          "save_inputs=1", f"out={out}"], capture_output=True, text=True)
    check(f"{op}: mfd-sense writes its operator", res.returncode == 0, res.stderr.strip())
    if res.returncode != 0:
        continue
    A = np.load(os.path.join(out, "final", "operator.npy"))
    B = mfdref.gaussian_operator(seed, m, n1, n2, op == "gaussian_sym")
    check(f"{op}: NumPy regenerates every A_k from the README's definition, bit for bit",
          A.shape == B.shape and np.array_equal(A.view(np.uint64), B.view(np.uint64)),
          f"{np.abs(A - B).max():.3g} max difference" if A.shape == B.shape else f"shapes {A.shape}, {B.shape}")

sys.exit(min(failed, 100))
