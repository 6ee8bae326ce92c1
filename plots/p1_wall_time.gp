# P1: relative error against the algorithm's wall time, by method.
call system("dirname ".ARG0)."/style.gp" ARG1 ARG2
do for [fmt in FORMATS] {
    @TERM
    @LOGX
    @LOGY
    set yrange [1e-13:10]
    set xlabel "algorithm time (s)"
    set ylabel "relative error"
    set key bottom left
    plot for [i=1:nser] file(i) using "time_s":"rel_err_med" with lines lc rgb color(i) lw 2 title nice(i)
}
