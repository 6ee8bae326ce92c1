#!/bin/sh
# GNU parallel over one experiment's plan, one run per job, on this machine or
# across machines with a shared folder (add -S host1,host2 --wd . to parallel):
#
#   mfd=build/src/apps/mfd; x=d2_det_sign
#   seq 0 $(($($mfd plan $x --count) - 1)) | OPENBLAS_NUM_THREADS=1 parallel -j 8 $mfd run $x --task {} && $mfd collect $x
#
# This script is that line, with the experiment and the job count as arguments:
# usage: parallel.sh <experiment> [jobs]
set -eu
mfd=${MFD:-build/src/apps/mfd}
x=$1
jobs=${2:-$(nproc)}
seq 0 $(($($mfd plan "$x" --count ${MFD_SPECS:+--specs "$MFD_SPECS"}) - 1)) | OPENBLAS_NUM_THREADS=1 parallel -j "$jobs" --halt now,fail=1 \
    "$mfd" run "$x" --task {} ${MFD_SPECS:+--specs "$MFD_SPECS"} ${MFD_RESULTS:+--results "$MFD_RESULTS"} > /dev/null
"$mfd" collect "$x" ${MFD_SPECS:+--specs "$MFD_SPECS"} ${MFD_RESULTS:+--results "$MFD_RESULTS"}
