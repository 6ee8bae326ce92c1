"""A NumPy user hands mfd-deep an exact problem (target_file, init_file) and
compares the trajectory: the final layers after K steps must match the
NumPy GD of THEORY.md's gradient to rounding, and the logged losses must
match the NumPy losses.  usage: deep_interop.py <mfd-deep> <workdir>"""
import os
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "python"))
import mfdref  # noqa: E402

exe, work = sys.argv[1], sys.argv[2]
os.makedirs(work, exist_ok=True)
rng = np.random.default_rng(5)
failed = 0


def check(name, ok, detail=""):
    global failed
    print(("PASS " if ok else "FAIL ") + name + (f"  ({detail})" if detail else ""))
    failed += not ok


for field in ("real", "complex"):
    for a in (0.0, 1.5):
        N, d, K, eta = 3, 4, 60, 0.02
        dt = np.float64 if field == "real" else np.complex128

        def gauss(*shape):
            g = rng.standard_normal(shape)
            if field == "complex":
                g = (g + 1j * rng.standard_normal(shape)) / np.sqrt(2)
            return g.astype(dt)

        S = gauss(d, d)
        W0 = 0.6 * gauss(N, d, d)
        # a Fortran-ordered target exercises the other .npy layout
        np.save(os.path.join(work, "S.npy"), np.asfortranarray(S))
        np.save(os.path.join(work, "W0.npy"), W0)
        out = os.path.join(work, f"run_{field}_{a}")
        cmd = [exe, f"target_file={work}/S.npy", f"init_file={work}/W0.npy", f"a={a}", f"eta={eta}",
               f"iters={K}", "tol=0", "log_every=1", "save_final=1", f"out={out}"]
        r = subprocess.run(cmd, capture_output=True, text=True)
        check(f"{field} a={a}: mfd-deep runs on NumPy inputs", r.returncode == 0, r.stderr.strip())
        if r.returncode != 0:
            continue
        Ws = [W0[j].copy() for j in range(N)]
        losses = []
        for _ in range(K):
            G = mfdref.deep_grads_definition(Ws, S, a)
            losses.append(mfdref.deep_loss(Ws, S, a))
            Ws = [Ws[j] - eta * G[j] for j in range(N)]
        losses.append(mfdref.deep_loss(Ws, S, a))
        Wc = np.load(os.path.join(out, "final", "W.npy"))
        check(f"{field} a={a}: final/W.npy has shape (N, d, d) and the field's dtype",
              Wc.shape == (N, d, d) and Wc.dtype == dt, f"{Wc.shape} {Wc.dtype}")
        # K steps of a contraction-like map: rounding differences stay O(K d u |W|)
        err = max(np.abs(Wc[j] - Ws[j]).max() for j in range(N))
        tol = 100 * K * d * 2.2e-16
        check(f"{field} a={a}: final layers equal NumPy's GD after {K} steps", err <= tol, f"{err:.3g} <= {tol:.3g}")
        tr = mfdref.read_trace(os.path.join(out, "trace.csv"))
        lt = tr["loss"]
        rel = np.max(np.abs(lt - np.array(losses)) / np.maximum(np.array(losses), 1e-300))
        check(f"{field} a={a}: every logged loss equals NumPy's", len(lt) == K + 1 and rel <= 1e-12, f"{rel:.3g}")
        check(f"{field} a={a}: loss = loss_ori + loss_reg in the trace",
              np.allclose(tr["loss"], tr["loss_ori"] + tr["loss_reg"], rtol=1e-15, atol=0))
        # the program's definition-free gradient agrees with the efficient one
        W2 = [W0[j].copy() for j in range(N)]
        mfdref.deep_gd_step(W2, S, a, eta)
        G = mfdref.deep_grads_definition([W0[j] for j in range(N)], S, a)
        dev = max(np.abs(W2[j] - (W0[j] - eta * G[j])).max() for j in range(N))
        check(f"{field} a={a}: the benchmark's NumPy step equals the definition", dev <= 1e-13, f"{dev:.3g}")

sys.exit(min(failed, 100))
