# P5: PrecGD across kappa.
call system("dirname ".ARG0)."/style.gp" ARG1 ARG2
do for [fmt in FORMATS] {
    @TERM
    @LOGY
    set xrange [0:*]
    set yrange [1e-13:10]
    set xlabel "iteration t"
    set ylabel "relative error"
    set key top right
    plot for [i=1:nser] file(i) using "iter":"rel_err_q1":"rel_err_q3" with filledcurves lc rgb color(i) fs transparent solid BAND noborder notitle, \
         for [i=1:nser] file(i) using "iter":"rel_err_med" with lines lc rgb color(i) lw 2 title "κ = ".word(label(i), 1)[7:]
}
