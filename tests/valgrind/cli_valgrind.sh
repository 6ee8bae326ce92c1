#!/bin/sh
# The cli tests under valgrind memcheck: every program the tests start (and
# every run the driver starts, through MFD_WRAP) runs inside valgrind, which
# turns an invalid read or write, a use of uninitialized memory, or a
# definite or indirect leak into exit code 99, and writes its report to
# <workdir>/vglogs/<pid>.log, which must all stay empty.  The driver's
# kill-and-resume checks are skipped (the slow sweep would take hours).
# usage: cli_valgrind.sh <build dir> <source dir> <workdir>
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
work=$3
command -v valgrind > /dev/null 2>&1 || { echo "SKIP: valgrind is not installed (apt-get install valgrind)"; exit 77; }
rm -rf "$work" && mkdir -p "$work/bin" "$work/vglogs" || exit 1
work=$(cd "$work" && pwd)
VG="valgrind --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect --quiet --log-file=$work/vglogs/%p.log"
for p in mfd-deep mfd-sense mfd-scaled mfd; do
    printf '#!/bin/sh\nexec %s %s "$@"\n' "$VG" "$build/src/apps/$p" > "$work/bin/$p"
    chmod +x "$work/bin/$p"
done
export OPENBLAS_NUM_THREADS=1
export MFD_WRAP="$VG"
fails=0
for t in deep sense scaled; do
    echo "== cli_$t under valgrind"
    sh "$src/tests/cli/cli_$t.sh" "$work/bin/mfd-$t" "$work/cli_$t" > "$work/cli_$t.log" 2>&1 || fails=$((fails + 1))
    grep -E "^(FAIL|[0-9]+ failed)" "$work/cli_$t.log"
done
echo "== cli_driver under valgrind"
# mfd finds the programs next to itself: run the real one, its runs get MFD_WRAP
sh "$src/tests/cli/cli_driver.sh" "$work/bin/mfd" "$src/tests/specs" "$work/cli_driver" > "$work/cli_driver.log" 2>&1 ||
    fails=$((fails + 1))
grep -E "^(FAIL|[0-9]+ failed)" "$work/cli_driver.log"
reports=$(find "$work/vglogs" -type f -size +0 | wc -l)
runs=$(find "$work/vglogs" -type f | wc -l)
echo "$runs program runs under valgrind, $reports with a report"
if [ "$reports" -gt 0 ]; then
    find "$work/vglogs" -type f -size +0 | head -3 | xargs cat
    fails=$((fails + 1))
fi
echo "$fails test scripts failed under valgrind"
[ "$fails" -eq 0 ]
