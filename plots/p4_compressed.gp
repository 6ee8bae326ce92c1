# P4 compressed: ScaledGD(lambda)'s floor and burn-in against c = m / (n r).
call system("dirname ".ARG0)."/style.gp" ARG1 ARG2
do for [fmt in FORMATS] {
    @TERM
    @LOGY
    set xrange [2.8:5.2]
    set yrange [1e-10:1]
    set xlabel "c = m / (n r)"
    set ylabel "smallest relative error; iterations to 10^{−6} / 10^4"
    set key top right
    plot for [i=1:nser] file(i) using (column("x")*(1 + 0.006*(i - 1.5))):"y_med":"y_q1":"y_q3" with yerrorlines lc rgb color(i) lw 2 pt 7 title nice(i)." (floor)", \
         for [i=1:nser] file(i) using (column("x")*(1 + 0.006*(i - 1.5))):"y2_med":"y2_q1":"y2_q3" with yerrorlines lc rgb color(i) lw 2 pt 5 dt 2 title nice(i)." (burn-in)"
}
