#!/bin/sh
# Golden summaries: run each case of cases.txt and compare its summary.csv
# with golden/<name>.csv column by column (the run must be made with one
# BLAS thread; CTest sets OPENBLAS_NUM_THREADS=1).  Rules:
#   timing columns (wall_s, algo_s, s_per_iter) are skipped;
#   text columns (stop_reason, model, ...) must match exactly;
#   counts (iterations, iter_to_*, *_escape, rate_npoints, mode*_t*, plateaus)
#     may move by max(2, 0.5%): a different BLAS kernel's rounding can shift a
#     threshold crossing by a step;
#   every other number must agree to |a - b| <= 1e-6 max(|a|, |b|) + 1e-12
#     (values at rounding level, e.g. a final skew error of 1e-16, fall under
#     the absolute part).
# usage: regress.sh <dir of the programs> <tests/regression> <workdir> [--update]
bindir=$1
here=$2
work=$3
update=$4
rm -rf "$work" && mkdir -p "$work" || exit 1
fails=0
while read -r name prog args; do
    case "$name" in '#'* | '') continue ;; esac
    # shellcheck disable=SC2086
    if ! "$bindir/$prog" $args out="$work/$name" > "$work/$name.log" 2>&1; then
        echo "FAIL $name: $prog exited with an error: $(tail -n 2 "$work/$name.log")"
        fails=$((fails + 1))
        continue
    fi
    if [ "$update" = "--update" ]; then
        cp "$work/$name/summary.csv" "$here/golden/$name.csv"
        echo "updated golden/$name.csv"
        continue
    fi
    if [ ! -f "$here/golden/$name.csv" ]; then
        echo "FAIL $name: no golden/$name.csv (run with --update to create it)"
        fails=$((fails + 1))
        continue
    fi
    out=$(awk -F, -v name="$name" '
        function isnum(s) { return s ~ /^[-+]?(inf|nan|[0-9.]+([eE][-+]?[0-9]+)?)$/ }
        function abs(x) { return x < 0 ? -x : x }
        FNR == 1 { for (i = 1; i <= NF; i++) col[FILENAME, i] = $i; ncol[FILENAME] = NF; next }
        FNR == 2 { for (i = 1; i <= NF; i++) val[FILENAME, col[FILENAME, i]] = $i; next }
        END {
            g = ARGV[1]; r = ARGV[2]; bad = 0
            if (ncol[g] != ncol[r]) { printf "columns: golden has %d, the run %d; ", ncol[g], ncol[r]; bad++ }
            for (i = 1; i <= ncol[g]; i++) {
                k = col[g, i]
                if (k == "wall_s" || k == "algo_s" || k == "s_per_iter") continue
                if (!((r, k) in val)) { printf "%s missing; ", k; bad++; continue }
                a = val[g, k]; b = val[r, k]
                if (a == b) continue
                if (!isnum(a) || !isnum(b) || a ~ /nan|inf/ || b ~ /nan|inf/) { printf "%s: %s against golden %s; ", k, b, a; bad++; continue }
                a += 0; b += 0; d = abs(a - b); m = abs(a) > abs(b) ? abs(a) : abs(b)
                count = k == "iterations" || k ~ /^iter_to_/ || k ~ /_escape$/ || k == "rate_npoints" || k ~ /^mode[0-9]+_t/ || k == "plateaus" || k == "iter_balanced" || k == "rebalance_iter"
                tol = count ? (2 > 0.005 * m ? 2 : 0.005 * m) : 1e-6 * m + 1e-12
                if (d > tol) { printf "%s: %.17g against golden %.17g; ", k, b, a; bad++ }
            }
            exit bad > 0
        }' "$here/golden/$name.csv" "$work/$name/summary.csv")
    if [ $? -eq 0 ]; then
        echo "PASS $name matches golden/$name.csv"
    else
        echo "FAIL $name: $out"
        fails=$((fails + 1))
    fi
done < "$here/cases.txt"
echo "$fails failed"
[ "$fails" -eq 0 ]
