# S1 under Gaussian sensing: error against t, log-log, with a 1/t guide.
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
         (x > 100 ? 20/x : 1/0) with lines dt 2 lw 1.5 lc rgb "black" title "slope −1"
}
