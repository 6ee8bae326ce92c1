# P1 compressed: ScaledGD's per-step gap 1 - rate against c = m / (n r), with the Marchenko-Pastur estimate.
call system("dirname ".ARG0)."/style.gp" ARG1 ARG2
do for [fmt in FORMATS] {
    @TERM
    @LOGY
    set xrange [2.3:5.2]
    set yrange [3e-3:0.2]
    set xlabel "c = m / (n r)"
    set ylabel "1 − rate per step"
    set key top left
    plot for [i=1:nser] file(i) using (column("x")*(1 + 0.01*(i - 2))):"y_med":"y_q1":"y_q3" with yerrorlines lc rgb color(i) lw 2 pt 7 title nice(i), \
         file(1) using "x":"theory" with lines dt 2 lc rgb "black" title "η (1 − √(d_T/m))^2"
}
