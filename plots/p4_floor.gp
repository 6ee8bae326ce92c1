# P4: ScaledGD(lambda) error floor against alpha.
call system("dirname ".ARG0)."/style.gp" ARG1 ARG2
do for [fmt in FORMATS] {
    @TERM
    @LOGX
    @LOGY
    set xrange [3e-7:3e-2]
    set yrange [1e-12:1e-5]
    set xlabel "init scale α"
    set ylabel "smallest relative error"
    set key bottom right
    plot for [i=1:nser] file(i) using "x":"y_med":"y_q1":"y_q3" with yerrorlines lc rgb color(i) lw 2 pt 7 title nice(i)
}
