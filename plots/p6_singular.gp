# P6: where ScaledGD with lambda = 0 stops.
call system("dirname ".ARG0)."/style.gp" ARG1 ARG2
do for [fmt in FORMATS] {
    @TERM
    @LOGY
    set xrange [0:*]
    set yrange [1e-10:1e4]
    set xlabel "iteration t"
    set ylabel "relative error"
    set key top right
    plot for [i=1:nser] file(i) using "iter":"rel_err_med" with linespoints lc rgb color(i) lw 2 pt 7 ps 0.5 title nice(i)
}
