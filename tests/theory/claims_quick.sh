#!/bin/sh
# One experiment's claims at its fast size: run the spec afresh with
# --scale quick, then `mfd check`, which exits 1 on a failed claim and 0 on
# pass or a known deviation.
# usage: claims_quick.sh <mfd> <experiments dir> <name> <results dir>
exe=$1
specs=$2
name=$3
work=$4
if ! grep -q '^\[experiment\.quick\]' "$specs/$name.ini"; then
    echo "FAIL $name has no [experiment.quick] section: every spec needs a fast variant for this test"
    exit 1
fi
rm -rf "$work/$name-quick" && mkdir -p "$work" || exit 1
"$exe" run "$name" --specs "$specs" --results "$work" --scale quick -j 2 || { echo "FAIL a run of $name failed"; exit 1; }
"$exe" check "$name" --specs "$specs" --results "$work" --scale quick
