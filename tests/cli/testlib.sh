# Shared helpers of the cli tests (sourced): one PASS/FAIL line per check.
# The sourcing script sets exe (the program) and prog (its name).
fails=0
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1"; fails=$((fails + 1)); }
check() { if eval "$2"; then pass "$1"; else fail "$1"; fi; }

# expect_error NAME FRAGMENT ARGS...: exit 2, the message on stderr, and no
# output directory created.
expect_error() {
    name=$1 frag=$2
    shift 2
    "$exe" "$@" out=err_out > err.txt 2>&1
    code=$?
    if [ $code -eq 2 ] && grep -qF -- "$frag" err.txt && grep -q "^$prog: error: " err.txt && [ ! -e err_out ]; then
        pass "$name"
    else
        fail "$name (exit $code, stderr: $(cat err.txt))"
        rm -rf err_out
    fi
}

# col FILE NAME: the column number of NAME in a CSV header (the first line
# not starting with '#'); value FILE NAME: its value in summary row 2;
# column FILE NAME: all the values of a trace column, one per line.
col() { grep -v '^#' "$1" | head -n 1 | tr ',' '\n' | grep -n "^$2\$" | cut -d: -f1; }
value() { sed -n 2p "$1" | cut -d, -f"$(col "$1" "$2")"; }
column() { grep -v '^#' "$1" | tail -n +2 | cut -d, -f"$(col "$1" "$2")"; }

# traces_differ_by A B OP X: the largest |a - b| over two files of numbers
# compares with X by OP (lt or gt); false when the files are empty or differ
# in length, so that no check passes vacuously.
traces_differ_by() {
    [ -s "$1" ] && [ "$(wc -l < "$1")" = "$(wc -l < "$2")" ] || return 1
    paste -d' ' "$1" "$2" | awk -v op="$3" -v x="$4" '
        { d = $1 - $2; if (d < 0) d = -d; if (d > m) m = d }
        END { exit !(op == "lt" ? m < x : m > x) }'
}

# every key of --help appears in help.txt with its range and default
help_lists_keys() {
    "$exe" --help > help.txt
    check "--help exits 0" "[ $? -eq 0 ]"
    for k in "$@"; do
        grep -q "^  $k " help.txt || fail "--help lists key $k"
    done
    check "--version prints a version" "\"$exe\" --version | grep -q '^$prog [0-9]'"
}

# same_run A B: two run folders hold the same results bit for bit, times
# aside: trace.csv without its time_s column and '# started' line, summary.csv
# without wall_s, algo_s, s_per_iter and time_to_*, and every final/ and snapshots/ file.
# Prints what differs.
strip_trace() {
    grep -v '^# started' "$1/trace.csv" |
        awk -F, '!h && !/^#/ { h = 1; for (i = 1; i <= NF; i++) if ($i == "time_s") c = i }
                 { o = ""; for (i = 1; i <= NF; i++) if (i != c) o = o (o == "" ? "" : ",") $i; print o }'
}
strip_summary() {
    awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "wall_s" || $i == "algo_s" || $i == "s_per_iter" || $i ~ /^time_to_/) d[i] = 1 }
             { o = ""; for (i = 1; i <= NF; i++) if (!d[i]) o = o (o == "" ? "" : ",") $i; print o }' "$1/summary.csv"
}
same_run() {
    [ -f "$1/summary.csv" ] && [ -f "$2/summary.csv" ] || { echo "    (a folder is not complete)"; return 1; }
    strip_trace "$1" > same_a.txt && strip_trace "$2" > same_b.txt
    cmp -s same_a.txt same_b.txt || { echo "    trace.csv differs:"; diff same_a.txt same_b.txt | head -4; return 1; }
    strip_summary "$1" > same_a.txt && strip_summary "$2" > same_b.txt
    cmp -s same_a.txt same_b.txt || { echo "    summary.csv differs"; diff same_a.txt same_b.txt | cut -c1-200; return 1; }
    for f in $(cd "$1" && ls final/* snapshots/* 2> /dev/null); do
        cmp -s "$1/$f" "$2/$f" || { echo "    $f differs"; return 1; }
    done
    [ "$(cd "$1" && ls final/* snapshots/* 2> /dev/null)" = "$(cd "$2" && ls final/* snapshots/* 2> /dev/null)" ]
}

# run_killed EXE DIR ARGS...: start a run, kill it with SIGKILL once its
# first checkpoint is on the disk, then run the same command again to its end.
# A run that ended before the kill landed (a busy machine) is tried again, up
# to three times.
run_killed() {
    kexe=$1 kdir=$2
    shift 2
    for kattempt in 1 2 3; do
        rm -rf "$kdir"
        "$kexe" "$@" out="$kdir" > /dev/null 2>&1 &
        kpid=$!
        while [ ! -f "$kdir/checkpoint.bin" ] && kill -0 $kpid 2> /dev/null; do sleep 0.002; done
        kill -KILL $kpid 2> /dev/null
        klanded=$?
        wait $kpid 2> /dev/null
        [ $klanded -eq 0 ] && break
    done
    "$kexe" "$@" out="$kdir" > /dev/null 2> resume_err.txt
}

finish() {
    echo "$fails failed"
    [ "$fails" -eq 0 ]
}

# without_time FILE: a trace's or a summary's rows with the time columns
# (time_s, wall_s, algo_s, s_per_iter, time_to_*) left out.
without_time() {
    grep -v '^#' "$1" | awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) drop[i] = $i ~ /^(time_s|wall_s|algo_s|s_per_iter|time_to_.*)$/ }
        { s = ""; for (i = 1; i <= NF; i++) if (!drop[i]) s = s $i ","; print s }'
}

# group_equals_alone NAME: the runs of NAME.txt (a --runs file whose lines
# end in out=DIR) run together, then each alone into DIR.alone; true when
# every run's trace and summary equal its lone run's bit for bit (time
# columns aside) and every run was evaluated in one pass with others
# (run.ini's op_shared_evals > 0; MFD_GROUP_SHARE_MIN=0 shares the passes
# over the small operators of the tests too).
group_equals_alone() {
    MFD_GROUP_SHARE_MIN=0 "$exe" --runs "$1.txt" > "$1.log" 2>&1 || return 1
    while IFS= read -r line; do
        dir=${line##*out=}
        # shellcheck disable=SC2046
        "$exe" $(printf '%s' "$line" | tr '\t' '\n' | grep -v '^out=') out="$dir.alone" > /dev/null 2>&1 || return 1
        for f in trace.csv summary.csv; do
            without_time "$dir/$f" > a.rows
            without_time "$dir.alone/$f" > b.rows
            [ -s a.rows ] && cmp -s a.rows b.rows || return 1
        done
        [ "$(sed -n 's/^op_shared_evals = //p' "$dir/run.ini")" -gt 0 ] || return 1
    done < "$1.txt"
}
