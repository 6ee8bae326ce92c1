#!/usr/bin/env python3
"""The mutation tier: does the suite see a wrong implementation?

For each seeded bug of mutants.ini: apply it to a copy of the source tree,
build, check that it changes the output of a short run (or, for a bug in the
driver, some verdict), then run every experiment's claims at --scale quick and
record which claims fail (CONTRADICTED or DEVIATION GONE) or which runs fail.
A mutant is killed when a claim of one of the experiments named in its
`specs` fails: a failure elsewhere is listed but not counted, since it may
only mean that the random draws moved.

usage: run_mutants.py <source tree> <work dir> [--jobs N] [--min-kill F] [--relevant-only] [mutant ...]
--relevant-only runs, for each mutant, only the experiments named in its
`specs` (and the reference only their union): the same kills, several times
faster, without the list of failures elsewhere.
Exit 0 when the killed fraction is at least --min-kill (default 0.9), 1
otherwise, 2 on a broken set-up (a mutation that does not apply exactly
once, a tree that does not build).
"""
import configparser
import os
import re
import shutil
import subprocess
import sys
import time

TIMING = ("wall_s", "algo_s", "s_per_iter")


def sh(cmd, cwd=None, log=None, env=None):
    with open(log, "a") if log else open(os.devnull, "w") as out:
        return subprocess.call(cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, env=env)


def copy_tree(src, dst):
    files = subprocess.check_output(["git", "ls-files", "-z"], cwd=src).decode().split("\0")
    for f in files:
        if not f:
            continue
        os.makedirs(os.path.join(dst, os.path.dirname(f)), exist_ok=True)
        shutil.copy2(os.path.join(src, f), os.path.join(dst, f))


def build(tree, bdir, jobs, log):
    if not os.path.exists(os.path.join(bdir, "CMakeCache.txt")):
        if sh(["cmake", "-S", tree, "-B", bdir, "-DCMAKE_BUILD_TYPE=Release"], log=log):
            return False
    return sh(["cmake", "--build", bdir, "-j", str(jobs), "--target", "mfd", "mfd-deep", "mfd-sense",
               "mfd-scaled"], log=log) == 0


def summary(path):
    try:
        with open(path) as f:
            rows = [l.rstrip("\n").split(",") for l in f if not l.startswith("#")]
    except OSError:
        return None
    if len(rows) < 2:
        return None
    return {k: v for k, v in zip(rows[0], rows[1]) if k not in TIMING and not k.startswith("time_to_")}


def short_run(bdir, run, out):
    words = run.split()
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    shutil.rmtree(out, ignore_errors=True)
    sh([os.path.join(bdir, "src", "apps", words[0])] + words[1:] + ["out=" + out], env=env)
    return summary(os.path.join(out, "summary.csv"))


VERDICT = re.compile(r"^(\S+)\s+(\S+)\s+(law|identity|sanity)\s.*\s(CONFIRMED|CONTRADICTED|INCONCLUSIVE|"
                     r"DEVIATION GONE|DEVIATION)$")


def quick_claims(tree, bdir, results, specs, jobs):
    """{spec: {claim: verdict}} and the specs whose runs failed."""
    mfd = os.path.join(bdir, "src", "apps", "mfd")
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    shutil.rmtree(results, ignore_errors=True)
    verdicts, failed_runs = {}, []
    for x in specs:
        args = [x, "--specs", os.path.join(tree, "experiments"), "--results", results, "--scale", "quick"]
        code = subprocess.call([mfd, "run"] + args + ["-j", str(jobs)], env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
        if code != 0:
            failed_runs.append(x)
        out = subprocess.run([mfd, "check"] + args, env=env, capture_output=True, text=True).stdout
        verdicts[x] = {}
        for line in out.splitlines():
            m = VERDICT.match(line)
            if m:
                verdicts[x][m.group(2)] = m.group(4)
    return verdicts, failed_runs


def main():
    args = sys.argv[1:]
    jobs, min_kill, only, relevant_only = 2, 0.9, [], False
    src, work = args[0], args[1]
    i = 2
    while i < len(args):
        if args[i] == "--jobs":
            jobs = int(args[i + 1])
            i += 2
        elif args[i] == "--relevant-only":
            relevant_only = True
            i += 1
        elif args[i] == "--min-kill":
            min_kill = float(args[i + 1])
            i += 2
        else:
            only.append(args[i])
            i += 1
    src, work = os.path.abspath(src), os.path.abspath(work)
    here = os.path.dirname(os.path.abspath(__file__))
    cfg = configparser.ConfigParser(interpolation=None, comment_prefixes=("#",), inline_comment_prefixes=None)
    cfg.optionxform = str
    cfg.read(os.path.join(here, "mutants.ini"))
    names = [n for n in cfg.sections() if not only or n in only]
    specs = sorted(f[:-4] for f in os.listdir(os.path.join(src, "experiments")) if f.endswith(".ini"))
    if relevant_only:
        specs = sorted(set(x for n in names for x in cfg[n]["specs"].split()) & set(specs))
    os.makedirs(work, exist_ok=True)
    log = os.path.join(work, "build.log")
    tree, ref_b, mut_b = os.path.join(work, "tree"), os.path.join(work, "build-ref"), os.path.join(work, "build-mut")
    shutil.rmtree(tree, ignore_errors=True)
    copy_tree(src, tree)
    t0 = time.time()
    if not build(tree, ref_b, jobs, log) or not build(tree, mut_b, jobs, log):
        print("the unmutated tree does not build (%s)" % log)
        return 2
    ref_verdicts, ref_failed = quick_claims(tree, ref_b, os.path.join(work, "results-ref"), specs, jobs)
    ref_bad = sorted("%s/%s" % (x, c) for x in ref_verdicts for c, v in ref_verdicts[x].items()
                     if v in ("CONTRADICTED", "DEVIATION GONE"))
    print("reference: %d experiments, %d claims, failing before any mutation: %s (%.0f s)" %
          (len(specs), sum(len(v) for v in ref_verdicts.values()), ", ".join(ref_bad + ref_failed) or "none",
           time.time() - t0))
    rows, killed = [], 0
    for n in names:
        m = cfg[n]
        path = os.path.join(tree, m["file"])
        # the copy made at the start, not the live tree, which may change during a long run
        pristine = open(path, encoding="utf-8").read()
        if pristine.count(m["from"]) != 1:
            print("%s: the text to replace occurs %d times in %s (it must occur once)" % (n, pristine.count(m["from"]),
                                                                                        m["file"]))
            return 2
        with open(path, "w", encoding="utf-8") as f:
            f.write(pristine.replace(m["from"], m["to"]))
        ok = build(tree, mut_b, jobs, log)
        with open(path, "w", encoding="utf-8") as f:
            f.write(pristine)
        if not ok:
            print("%s: the mutated tree does not build (%s)" % (n, log))
            return 2
        run = m.get("run", "").strip()
        if run:
            a = short_run(ref_b, run, os.path.join(work, "short-ref"))
            b = short_run(mut_b, run, os.path.join(work, "short-mut"))
            changed = a != b
        mine = sorted(set(m["specs"].split()) & set(specs)) if relevant_only else specs
        verdicts, failed = quick_claims(tree, mut_b, os.path.join(work, "results-mut"), mine, jobs)
        if relevant_only:
            verdicts = dict((x, verdicts.get(x, ref_verdicts.get(x, {}))) for x in ref_verdicts)
        if not run:
            changed = verdicts != ref_verdicts
        relevant = set(m["specs"].split())
        caught = sorted("%s/%s" % (x, c) for x in verdicts for c, v in verdicts[x].items()
                        if v in ("CONTRADICTED", "DEVIATION GONE") and x in relevant) + \
            sorted("%s (a run failed)" % x for x in failed if x in relevant)
        other = sorted("%s/%s" % (x, c) for x in verdicts for c, v in verdicts[x].items()
                       if v in ("CONTRADICTED", "DEVIATION GONE") and x not in relevant and
                       "%s/%s" % (x, c) not in ref_bad)
        kill = bool(caught)
        killed += kill
        rows.append((n, kill, changed, caught, other))
        print("%-28s %-8s short run %-9s caught by: %s%s" % (n, "KILLED" if kill else "survived",
                                                             "changed" if changed else "UNCHANGED",
                                                             "; ".join(caught) or "-",
                                                             ("  (also failing, not counted: %s)" % "; ".join(other))
                                                             if other else ""), flush=True)
    frac = killed / len(rows) if rows else 0.0
    print("%d of %d mutants killed by the theory tier (%.0f%%; target %.0f%%), %.0f s" %
          (killed, len(rows), 100 * frac, 100 * min_kill, time.time() - t0))
    for n, kill, changed, caught, other in rows:
        if not kill:
            print("survivor %s: %s%s" % (n, cfg[n]["what"], "" if changed else
                                         " (its short run is unchanged: a regime the specs do not visit)"))
    return 0 if frac >= min_kill else 1


if __name__ == "__main__":
    sys.exit(main())
