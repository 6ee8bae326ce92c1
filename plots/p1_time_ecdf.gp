# P1 in wall time: runtime distributions of the algorithm's time to the
# targets 1e-2, 1e-6, 1e-10, by method.
call system("dirname ".ARG0)."/style.gp" ARG1 ARG2
do for [fmt in FORMATS] {
    @TERM
    @LOGX
    set xlabel "algorithm time to the target (s)"
    set ylabel "fraction of (run, target) pairs reached"
    set key bottom right
    @RUNTIMES
}
