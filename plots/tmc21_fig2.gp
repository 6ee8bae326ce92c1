# [TMC21] Fig. 2: relative error of ScaledGD and GD against t, one curve per method and kappa.
call system("dirname ".ARG0)."/style.gp" ARG1 ARG2
do for [fmt in FORMATS] {
    @TERM
    @LOGY
    set xrange [0:*]
    set yrange [1e-15:10]
    set xlabel "iteration t"
    set ylabel "relative error"
    set key top right
    plot for [i=1:nser] file(i) using "iter":"rel_err_med" with lines lc rgb color(i) lw 2 title nice(i)
}
