#!/bin/sh
# Golden summaries: run each case of cases.txt and compare its summary.csv
# with golden/<name>.csv column by column, each column with the rule that
# tolerances.txt gives it (the rules, and why each tolerance is what it is,
# are written there).  A column that no rule covers is a failure: a new
# summary column needs its tolerance before it can be compared.
#
# The run must be made with one BLAS thread (CTest sets
# OPENBLAS_NUM_THREADS=1); the comparison holds whatever OpenBLAS kernel
# (OPENBLAS_CORETYPE) or small-matrix path (MFD_SMALL_KERNELS) runs it.
#
# usage: regress.sh <dir of the programs> <tests/regression> <workdir> [--update | --expect=CORE,PATH]
#   --update             rewrite the golden files from this machine's runs
#   --expect=CORE,PATH   also fail unless every run recorded that OpenBLAS core and small-kernel path
#                        (run.ini's blas_core and small_kernels): the generic pass checks that it ran
#                        what it meant to
bindir=$1
here=$2
work=$3
update=$4
expect=
case "$update" in --expect=*) expect=${update#--expect=}; update= ;; esac
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
    kernels="$(sed -n 's/^blas_core = //p' "$work/$name/run.ini"),$(sed -n 's/^small_kernels = //p' "$work/$name/run.ini")"
    if [ -n "$expect" ] && [ "$kernels" != "$expect" ]; then
        echo "FAIL $name: ran with kernels $kernels, not $expect"
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
    out=$(awk -v name="$name" -f "$here/compare.awk" "$here/tolerances.txt" "$here/golden/$name.csv" \
        "$work/$name/summary.csv")
    if [ $? -eq 0 ]; then
        echo "PASS $name matches golden/$name.csv ($out)"
    else
        echo "FAIL $name: $out"
        fails=$((fails + 1))
    fi
done < "$here/cases.txt"
echo "$fails failed (BLAS core and small kernels: ${kernels:-none})"
[ "$fails" -eq 0 ]
