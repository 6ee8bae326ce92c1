# P1: ScaledGD across kappa (sensing), with the (1 - 0.6 eta)^t bound.
call system("dirname ".ARG0)."/style.gp" ARG1 ARG2
do for [fmt in FORMATS] {
    @TERM
    @LOGY
    set xrange [0:120]
    set yrange [1e-15:10]
    set xlabel "iteration t"
    set ylabel "relative error"
    set key top right
    plot for [i=1:nser] file(i) using "iter":"rel_err_q1":"rel_err_q3" with filledcurves lc rgb color(i) fs transparent solid BAND noborder notitle, \
         for [i=1:nser] file(i) using "iter":"rel_err_med" with lines lc rgb color(i) lw 2 title "κ = ".word(label(i), 1)[7:], \
         (1 - 0.6*0.5)**x with lines dt 2 lc rgb "black" title "(1 − 0.6η)^t"
}
