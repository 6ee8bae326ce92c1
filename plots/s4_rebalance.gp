# S4: error against t with and without the re-imbalancing step, two alphas.
call system("dirname ".ARG0)."/style.gp" ARG1 ARG2
do for [fmt in FORMATS] {
    @TERM
    @LOGX
    @LOGY
    set xrange [1:*]
    set yrange [1e-12:10]
    set xlabel "iteration t"
    set ylabel "relative error"
    set key bottom left
    plot for [i=1:nser] file(i) using "iter":"rel_err_q1":"rel_err_q3" with filledcurves lc rgb color(i) fs transparent solid BAND noborder notitle, \
         for [i=1:nser] file(i) using "iter":"rel_err_med" with lines lc rgb color(i) lw 2 title nice(i)
}
