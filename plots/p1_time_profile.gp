# P1 in wall time: performance profile (Dolan and More) over both problems,
# by method: time to each target over the fastest method's on that instance.
call system("dirname ".ARG0)."/style.gp" ARG1 ARG2
do for [fmt in FORMATS] {
    @TERM
    @LOGX
    set format x "%g"
    set xlabel "time to the target / time of the fastest method on that pair (τ)"
    set ylabel "fraction of (instance, target) pairs"
    set key bottom right
    @RUNTIMES
}
