# D8: test error against iterations, by depth.
call system("dirname ".ARG0)."/style.gp" ARG1 ARG2
do for [fmt in FORMATS] {
    @TERM
    @LOGX
    @LOGY
    set xrange [10:*]
    set yrange [1e-4:3]
    set xlabel "iteration t"
    set ylabel "test error ‖P_{Ω^c}(Σ − W)‖ / ‖P_{Ω^c}Σ‖"
    set key bottom left
    plot for [i=1:nser] file(i) using "iter":"test_err_q1":"test_err_q3" with filledcurves lc rgb color(i) fs transparent solid BAND noborder notitle, \
         for [i=1:nser] file(i) using "iter":"test_err_med" with lines lc rgb color(i) lw 2 title nice(i)
}
