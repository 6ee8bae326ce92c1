# S1: error against t, log-log, several k, with the sqrt(k-r)/(2 eta t) asymptote.
call system("dirname ".ARG0)."/style.gp" ARG1 ARG2
do for [fmt in FORMATS] {
    @TERM
    @LOGX
    @LOGY
    set xrange [1:*]
    set yrange [1e-6:10]
    set xlabel "iteration t"
    set ylabel "‖X_tX_t^T − M*‖_F"
    set key top right
    plot for [i=1:nser] file(i) using "iter":"err_abs_q1":"err_abs_q3" with filledcurves lc rgb color(i) fs transparent solid BAND noborder notitle, \
         for [i=1:nser] file(i) using "iter":"err_abs_med" with lines lc rgb color(i) lw 2 title nice(i), \
         for [i=1:nser] file(i) using "iter":"theory" with lines dt 2 lw 1.2 lc rgb "black" title (i == 1 ? "√(k − r) / (2ηt)" : "")
}
