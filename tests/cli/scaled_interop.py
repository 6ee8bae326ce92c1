"""A NumPy user hands mfd-scaled an exact factorization problem (target_file,
l0_file, r0_file) and compares ScaledGD's and AltScaledGD's trajectories with
NumPy implementations using explicit inverses.  usage: scaled_interop.py <mfd-scaled> <workdir>"""
import os
import subprocess
import sys

import numpy as np

exe, work = sys.argv[1], sys.argv[2]
os.makedirs(work, exist_ok=True)
rng = np.random.default_rng(3)
failed = 0


def check(name, ok, detail=""):
    global failed
    print(("PASS " if ok else "FAIL ") + name + (f"  ({detail})" if detail else ""))
    failed += not ok


n1, n2, r, K, eta = 9, 7, 2, 25, 0.5
M = rng.standard_normal((n1, r)) @ rng.standard_normal((r, n2))
L0, R0 = 0.3 * rng.standard_normal((n1, r)), 0.3 * rng.standard_normal((n2, r))
for name, a in (("M", M), ("L0", L0), ("R0", R0)):
    np.save(os.path.join(work, name + ".npy"), a)
for method in ("scaledgd", "altscaledgd"):
    out = os.path.join(work, method)
    res = subprocess.run([exe, f"method={method}", "problem=factorization", f"target_file={work}/M.npy",
                          f"l0_file={work}/L0.npy", f"r0_file={work}/R0.npy", f"eta={eta}", f"iters={K}", "tol=0",
                          "save_final=1", f"out={out}"], capture_output=True, text=True)
    check(f"{method}: mfd-scaled runs on NumPy inputs", res.returncode == 0, res.stderr.strip())
    if res.returncode:
        continue
    L, R = L0.copy(), R0.copy()
    for _ in range(K):
        E = L @ R.T - M
        Ln = L - eta * (E @ R) @ np.linalg.inv(R.T @ R)
        if method == "altscaledgd":
            E = Ln @ R.T - M
            R = R - eta * (E.T @ Ln) @ np.linalg.inv(Ln.T @ Ln)
        else:
            R = R - eta * (E.T @ L) @ np.linalg.inv(L.T @ L)
        L = Ln
    Lc, Rc = np.load(os.path.join(out, "final", "L.npy")), np.load(os.path.join(out, "final", "R.npy"))
    dev = max(np.abs(Lc - L).max(), np.abs(Rc - R).max())
    check(f"{method}: final factors equal NumPy's after {K} steps", dev <= 1e-10, f"{dev:.3g}")
sys.exit(min(failed, 100))
