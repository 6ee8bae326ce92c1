# P5 compressed: PrecGD's per-step gap 1 - rate against c = m / (n r).
call system("dirname ".ARG0)."/style.gp" ARG1 ARG2
do for [fmt in FORMATS] {
    @TERM
    @LOGY
    set xrange [2.8:5.2]
    set yrange [5e-3:0.3]
    set xlabel "c = m / (n r)"
    set ylabel "1 − rate per step"
    set key top left
    plot for [i=1:nser] file(i) using (column("x")*(1 + 0.006*(i - 3.5))):"y_med":"y_q1":"y_q3" with yerrorlines lc rgb color(i) lw 2 pt 7 title nice(i)
}
