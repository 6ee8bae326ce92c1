# [TMC21] Fig. 4: error after T steps against the step size, per method and kappa.
call system("dirname ".ARG0)."/style.gp" ARG1 ARG2
do for [fmt in FORMATS] {
    @TERM
    @LOGY
    set xrange [0.05:1.25]
    set yrange [1e-12:1e3]
    set xlabel "step size η"
    set ylabel "relative error after 80 steps"
    set key bottom right
    set arrow from 2.0/3, graph 0 to 2.0/3, graph 1 nohead dt 2 lc rgb "black"
    plot for [i=1:nser] file(i) using "x":"y_med" with linespoints lc rgb color(i) lw 2 pt 7 ps 0.6 title nice(i)
}
