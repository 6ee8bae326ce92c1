#!/bin/sh
# make bench: one GD step of deep factorization (N = 4, a = 1) in mfdyn and
# in NumPy on the same OpenBLAS, plus the time of the step's 21 GEMMs at the
# GEMM rate measured in the same run; then the allocation check.
# Small sizes run with one BLAS thread (for both), 64 and 256 with OpenBLAS's
# default thread count (for both); runs that share an operator, together against
# one by one, and the threads of the operator passes.
# usage: run_bench.sh <build dir> [group]
set -e
build=${1:-build}
only=${2:-all} # all, or one section: group
here=$(dirname "$0")
py=/usr/bin/python3
[ -x "$py" ] || py=python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ "$only" = all ]; then
echo "== one GD step, N = 4, a = 1 (21 GEMMs) =="
OPENBLAS_NUM_THREADS=1 "$build/tests/bench_deep" 2 4 8 16 > "$tmp/c_small.csv"
OPENBLAS_NUM_THREADS=1 "$py" "$here/bench_deep.py" 2 4 8 16 > "$tmp/np_small.csv"
"$build/tests/bench_deep" 64 256 > "$tmp/c_large.csv"
"$py" "$here/bench_deep.py" 64 256 > "$tmp/np_large.csv"
"$py" - "$tmp" <<'PY'
import csv, sys, os
tmp = sys.argv[1]
def load(name):
    with open(os.path.join(tmp, name)) as f:
        return {(r["field"], int(r["d"])): r for r in csv.DictReader(f)}
c = {**load("c_small.csv"), **load("c_large.csv")}
n = {**load("np_small.csv"), **load("np_large.csv")}
print("| field | d | mfdyn step | NumPy step | NumPy / mfdyn | GEMM-rate time | mfdyn / GEMM-rate |")
print("|---|---|---|---|---|---|---|")
for key in sorted(c, key=lambda k: (k[0] != "real", k[1])):
    f, d = key
    tc, tm = float(c[key]["step_s"]), float(c[key]["gemm_model_s"])
    tn = float(n[key]["step_s"])
    print(f"| {f} | {d} | {tc*1e6:.3g} us | {tn*1e6:.3g} us | {tn/tc:.1f}x | {tm*1e6:.3g} us | {tc/tm:.2f} |")
print()
print("Targets: NumPy / mfdyn >= 50 for d <= 8; mfdyn / GEMM-rate <= 1.25 at d = 256.")
print("(GEMM rate measured at the largest size of each group, in the same run.)")
PY

echo
echo "== a small deep run-step (N = 4, a = 1): alone against a lock-step ensemble (one BLAS thread) =="
OPENBLAS_NUM_THREADS=1 "$build/tests/bench_deepens" > "$tmp/ens.csv"
OPENBLAS_NUM_THREADS=1 "$py" "$here/bench_deep_numba.py" 2 4 > "$tmp/numba.csv" || echo "field,d,step_s" > "$tmp/numba.csv"
"$py" - "$tmp" <<'PY'
import csv, sys, os
tmp = sys.argv[1]
with open(os.path.join(tmp, "ens.csv")) as f:
    rows = list(csv.DictReader(f))
with open(os.path.join(tmp, "np_small.csv")) as f: # NumPy's step, from the first table
    npy = {(r["field"], int(r["d"])): float(r["step_s"]) * 1e9 for r in csv.DictReader(f)}
with open(os.path.join(tmp, "numba.csv")) as f: # numba's compiled step (empty when numba is missing)
    nb = {(r["field"], int(r["d"])): float(r["step_s"]) * 1e9 for r in csv.DictReader(f)}
target = {("real", 2): 10, ("real", 4): 60, ("complex", 4): 200}
print("| field | d | alone | lock-step (lanes, width) | alone / lock-step | arithmetic floor | lock-step / floor | target | NumPy | numba |")
print("|---|---|---|---|---|---|---|---|---|---|")
for r in rows:
    f, d = r["field"], int(r["d"])
    s, e, fl = float(r["single_ns"]), float(r["ensemble_ns"]), float(r["floor_ns"])
    n = f"{npy[(f, d)] / 1e3:.3g} us" if (f, d) in npy else "n/a"
    j = f"{nb[(f, d)]:.4g} ns" if (f, d) in nb else "n/a"
    print(f"| {f} | {d} | {s:.4g} ns | {e:.4g} ns ({r['lanes']}, {r['width']}) | {s/e:.1f}x | {fl:.3g} ns | {e/fl:.2f} "
          f"| <= {target[(f, d)]} ns | {n} | {j} |")
print()
print("Per run-step; the floor is the step's 21 d^3 multiply-adds (4 real ones per complex one) at the")
print("FMA rate of the ensemble's SIMD width, measured in the same run. NumPy: the step of bench_deep.py;")
print("numba: the same step as compiled loops, many steps per call (bench_deep_numba.py; n/a without python3-numba).")
PY

echo
echo "== the per-step monitors: one GD step (N = 4, a = 1) with and without them, side by side (one BLAS thread) =="
OPENBLAS_NUM_THREADS=1 "$build/tests/bench_deepmon" > "$tmp/mon.csv"
"$py" - "$tmp" <<'PY'
import csv, sys, os
with open(os.path.join(sys.argv[1], "mon.csv")) as f:
    rows = list(csv.DictReader(f))
print("| field | d | step | + invariants | + Thm 8 | + all three | all / step |")
print("|---|---|---|---|---|---|---|")
for r in rows:
    t0, ti, t8, ta = (float(r[k]) for k in ("step_s", "invariants_s", "thm8_s", "all_s"))
    print(f"| {r['field']} | {r['d']} | {t0*1e6:.3g} us | {ti*1e6:.3g} us ({ti/t0:.2f}x) | {t8*1e6:.3g} us ({t8/t0:.2f}x) "
          f"| {ta*1e6:.3g} us | {ta/t0:.2f}x |")
print()
print("Per step, the step included. The invariants: two Gram matrices' Jacobi eigenvalues and an LU of W_2;")
print("Thm 8: N + 1 to 2N Gram matrices' Jacobi eigenvalues (every layer; the gradients that could be the largest).")
PY

echo
echo "== one matrix-sensing GD step (symmetric, k = 5, dense symmetrized Gaussian operator) =="
for t in 1 2; do
    OPENBLAS_NUM_THREADS=$t "$build/tests/bench_sense" 2> /dev/null > "$tmp/s$t.csv"
done
OPENBLAS_NUM_THREADS=1 "$py" "$here/bench_sense.py" > "$tmp/snp.csv"
"$py" - "$tmp" <<'PY'
import csv, sys, os
tmp = sys.argv[1]
rows = {}
for t in (1, 2):
    with open(os.path.join(tmp, f"s{t}.csv")) as f:
        for r in csv.DictReader(f):
            rows[(r["kind"], int(r["n"]), int(r["m"]), t)] = r
with open(os.path.join(tmp, "snp.csv")) as f:
    npy = {(int(r["n"]), int(r["m"])): float(r["step_s"]) for r in csv.DictReader(f)}
print("| n | m | m n^2 | step (1 thread) | 2 reads at bandwidth / step | step (2 threads) | 2 reads / step | NumPy step (1 thread) |")
print("|---|---|---|---|---|---|---|---|")
for (kind, n, m, t), r in sorted(rows.items()):
    if kind != "dense" or t != 1:
        continue
    r2 = rows[(kind, n, m, 2)]
    s1, b1, s2, b2 = float(r["step_s"]), float(r["stream_s"]), float(r2["step_s"]), float(r2["stream_s"])
    print(f"| {n} | {m} | {m*n*n:.2g} | {s1*1e3:.4g} ms | {100*b1/s1:.0f}% | {s2*1e3:.4g} ms | {100*b2/s2:.0f}% | {npy[(n, m)]*1e3:.4g} ms |")
for (kind, n, m, t), r in sorted(rows.items()):
    if kind == "otf" and t == 1:
        print(f"on-the-fly operator, n = {n}, m = {m}: {float(r['step_s'])*1e3:.4g} ms per step "
              f"({float(r['step_s'])/(2*m*n*n)*1e9:.1f} ns per regenerated entry), no operator storage")
print()
print("Target: >= 70% of the time to read the operator twice at the measured bandwidth, for m n^2 ~ 2e8.")
PY

echo
echo "== scaled GD: per-step cost against GD, and the sparse completion path (one BLAS thread) =="
OPENBLAS_NUM_THREADS=1 "$build/tests/bench_scaled" > "$tmp/sc.csv"
"$py" - "$tmp" <<'PY'
import csv, sys, os
with open(os.path.join(sys.argv[1], "sc.csv")) as f:
    rows = list(csv.DictReader(f))
print("| case | n | r | p | first | second | second / first |")
print("|---|---|---|---|---|---|---|")
for r in rows:
    a, b = float(r["a_s"]), float(r["b_s"])
    p = "" if r["p"] == "nan" else r["p"]
    print(f"| {r['case']} | {r['n']} | {r['r']} | {p} | {a*1e3:.4g} ms | {b*1e3:.4g} ms | {b/a:.2f} |")
PY

fi

if [ "$only" = all ] || [ "$only" = group ]; then
echo
echo "== runs that share one operator: g runs together against the same g runs one by one (one thread) =="
OPENBLAS_NUM_THREADS=1 "$build/tests/bench_group" 100 paper 2> /dev/null > "$tmp/g.csv"
"$py" - "$tmp" <<'PY'
import csv, sys, os
with open(os.path.join(sys.argv[1], "g.csv")) as f:
    text, roof = (f.read().split("roofline,n") + [""])[:2]
    text = text.split("threads,kind")
groups = list(csv.DictReader(text[0].splitlines()))
threads = list(csv.DictReader(("threads,kind" + text[1]).splitlines()))
roof = list(csv.DictReader(("roofline,n" + roof).splitlines())) if roof else []
r0 = groups[0]
floor = {}
for r in groups:
    floor[r["kind"]] = min(floor.get(r["kind"], 1e30), float(r["floor_one_s"]))
print(f"n = {r0['n']}, r = k = 5, m = 5nr = {r0['m']}, asymmetric GD; CPU time per iteration of all g runs.")
print("Floor: stored, reading the operator once per evaluation at the read bandwidth measured here;")
print("on the fly, regenerating every A_k once (mfd_gauss_fill) at the rate measured here.")
print()
print("| operator | g | one by one | together | one by one / together | floor, one by one | floor, together | together / floor |")
print("|---|---|---|---|---|---|---|---|")
for r in groups:
    g, ts, tg, f1 = int(r["g"]), float(r["separate_s"]), float(r["group_s"]), floor[r["kind"]]
    print(f"| {r['kind']} | {g} | {ts*1e3:.4g} ms | {tg*1e3:.4g} ms | {ts/tg:.2f}x | {g*f1*1e3:.4g} ms | "
          f"{f1*1e3:.4g} ms | {tg/f1:.2f} |")
print()
print("Threads of the operator passes (wall time of one evaluation and step of one run; load average "
      + open("/proc/loadavg").read().split()[0] + " on " + str(os.cpu_count()) + " cores):")
print()
print("| operator | n | m | m n^2 | 1 thread | 2 threads | 2 threads / 1 |")
print("|---|---|---|---|---|---|---|")
for r in threads:
    n, m, t1, t2 = int(r["n"]), int(r["m"]), float(r["t1_s"]), float(r["t2_s"])
    print(f"| {r['kind']} | {n} | {m} | {m*n*n:.2g} | {t1*1e3:.4g} ms | {t2*1e3:.4g} ms | {t2/t1:.2f} |")
if roof:
    print()
    print("[TMC21] Fig. 2's sensing panel (MS.m: n = 200, r = 10, m = 5nr, a 3.2 GB stored operator): one evaluation of")
    print("its 8 runs together (wall time): the operator's pass alone (their batched normal map) against its roofline,")
    print("the larger of reading the operator once at the bandwidth and its 4 m n^2 g flops at the DGEMM rate, both")
    print("measured here with as many threads; then the whole evaluation and step, and 1000 iterations of it.")
    print()
    print("| threads | the pass | read at bandwidth | flops at DGEMM rate | roofline / pass | evaluation and step "
          "| 1000 iterations |")
    print("|---|---|---|---|---|---|---|")
    for r in roof:
        tp, tg = float(r["pass_s"]), float(r["group_s"])
        tr, gf, fl = float(r["read_s"]), float(r["gemm_gflops"]), float(r["flops"])
        tf = fl / (gf * 1e9)
        print(f"| {r['threads']} | {tp*1e3:.4g} ms | {tr*1e3:.4g} ms ({3.2/tr:.3g} GB/s) | {tf*1e3:.4g} ms ({gf:.3g} GF/s) "
              f"| {100*max(tr, tf)/tp:.0f}% | {tg*1e3:.4g} ms | {1000*tg/60:.3g} min |")
    print()
    print("Target: the pass at >= 80% of its roofline; the panel end to end in <= 4 min.")
PY
fi

if [ "$only" = all ]; then
echo
echo "== allocations: the same run for 100 and for 10000 iterations (valgrind) =="
if command -v valgrind > /dev/null 2>&1; then
    for n in 100 10000; do
        OPENBLAS_NUM_THREADS=1 valgrind --tool=memcheck "$build/src/apps/mfd-deep" d=8 a=1 eta=1e-3 iters=$n \
            log_every=100000 out="$tmp/run$n" 2>&1 > /dev/null | grep "total heap usage" | sed "s/^==[0-9]*==/iters=$n:/"
    done
    echo "(equal counts: nothing allocates per iteration, OpenBLAS included)"
else
    echo "valgrind not installed: skipped (the unit test unit_noalloc covers libmfdyn itself)"
fi
fi
