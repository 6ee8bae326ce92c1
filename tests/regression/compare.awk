# Compare one summary.csv (third file) with its golden (second file) under
# the rules of tolerances.txt (first file); -v name=<case>.  Prints what
# failed (or how many columns were compared) and exits 1 on a failure.
# The rules are documented at the top of tolerances.txt.
function isnum(s) { return s ~ /^[-+]?(inf|nan|[0-9.]+([eE][-+]?[0-9]+)?)$/ }
function abs(x) { return x < 0 ? -x : x }
function max2(x, y) { return x > y ? x : y }
# the first rule whose case pattern matches this case, else the first rule
# for every case ('*')
function rule_for(k,    i) {
    for (i = 1; i <= nrule; i++)
        if (rcase[i] != "*" && name ~ ("^(" rcase[i] ")$") && k ~ ("^(" rcol[i] ")$")) return i
    for (i = 1; i <= nrule; i++)
        if (rcase[i] == "*" && k ~ ("^(" rcol[i] ")$")) return i
    return 0
}
# the tolerance of rule i for golden a and run b (numbers); -1: compare exactly
function tolerance(i, a, b,    m, n, r) {
    m = max2(abs(a), abs(b))
    r = rkind[i]
    if (r == "exact") return 0
    if (r == "steps") return rarg1[i]
    if (r == "logpt") {   # adjacent logged iterations at rarg1 points per decade
        if (a <= 0 || b <= 0) return 0
        return m * (1 - exp(-log(10) / rarg1[i])) + 1e-9 * m
    }
    if (r == "tol") return rarg1[i] * m + rarg2[i]
    if (r == "sq") return rarg1[i] * m + 2 * rarg2[i] * sqrt(m) + rarg2[i] * rarg2[i]
    if (r == "se") {      # a noise scale estimated from n points
        n = gold[rarg2[i]] + 0
        return n > 2 ? rarg1[i] / sqrt(n - 2) * m : 0
    }
    if (r == "unit") return rarg1[i] * max2(abs(gold[rarg2[i]]), abs(run[rarg2[i]]))
    if (r == "fit") {     # a linear fit of log e over n points, log e perturbed by rarg1
        n = gold[rarg2[i]] + 0
        return n > 1 ? m * rarg1[i] * sqrt(12 / (n * n - 1)) : 0
    }
    return -1
}
FILENAME == ARGV[1] {
    sub(/#.*/, "")
    if (NF < 3) next
    nrule++
    rcase[nrule] = $1; rcol[nrule] = $2; rkind[nrule] = $3; rarg1[nrule] = $4 + 0
    rarg2[nrule] = ($3 == "se" || $3 == "unit" || $3 == "fit") ? $5 : $5 + 0
    if ($3 !~ /^(skip|exact|steps|logpt|tol|sq|se|unit|fit)$/) { printf "tolerances.txt line %d: unknown rule '%s'", FNR, $3; bad_rules = 1 }
    next
}
FNR == 1 { nf = split($0, f, ","); for (i = 1; i <= nf; i++) col[FILENAME, i] = f[i]; ncol[FILENAME] = nf; next }
FNR == 2 {
    nf = split($0, f, ",")
    for (i = 1; i <= nf; i++) {
        if (FILENAME == ARGV[2]) gold[col[FILENAME, i]] = f[i]
        else run[col[FILENAME, i]] = f[i]
    }
    next
}
END {
    if (bad_rules) exit 1
    g = ARGV[2]; r = ARGV[3]; bad = 0; compared = 0
    if (ncol[g] != ncol[r]) { printf "columns: golden has %d, the run %d; ", ncol[g], ncol[r]; bad++ }
    for (i = 1; i <= ncol[g]; i++) {
        k = col[g, i]
        ri = rule_for(k)
        if (!ri) { printf "%s: no rule in tolerances.txt; ", k; bad++; continue }
        if (rkind[ri] == "skip") continue
        if (!(k in run)) { printf "%s missing; ", k; bad++; continue }
        compared++
        a = gold[k]; b = run[k]
        if (a == b) continue
        if (rkind[ri] == "exact" || !isnum(a) || !isnum(b) || a ~ /nan|inf/ || b ~ /nan|inf/) {
            printf "%s: %s against golden %s (%s); ", k, b, a, rkind[ri]; bad++; continue
        }
        t = tolerance(ri, a + 0, b + 0)
        d = abs(a - b)
        if (d <= t && t > 0 && d / t > worst) { worst = d / t; worst_col = k }
        if (d > t) { printf "%s: %.17g against golden %.17g, |diff| %.3g > %.3g (%s); ", k, b + 0, a + 0, d, t, rkind[ri]; bad++ }
    }
    if (!bad) {
        printf "%d columns", compared
        if (worst > 0) printf "; largest difference %.2g of its tolerance, in %s", worst, worst_col
    }
    exit bad > 0
}
