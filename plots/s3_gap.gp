# S3: 1 - rate against alpha, with a slope-2 line through each series'
# median at its largest alpha.
call system("dirname ".ARG0)."/style.gp" ARG1 ARG2
array X0[nser]
array Y0[nser]
XMIN = 1e300
XMAX = 0
do for [i=1:nser] {
    stats file(i) using "x":"y_med" nooutput
    X0[i] = STATS_max_x
    Y0[i] = STATS_max_y
    XMIN = STATS_min_x < XMIN ? STATS_min_x : XMIN
    XMAX = STATS_max_x > XMAX ? STATS_max_x : XMAX
}
do for [fmt in FORMATS] {
    @TERM
    @LOGX
    @LOGY
    set format x "%g"
    set xtics auto
    set xrange [XMIN/1.4:XMAX*1.4]
    set xlabel "init scale α"
    set ylabel "per-step gap 1 − rate"
    set key top left
    plot for [i=1:nser] file(i) using "x":"y_med":"y_q1":"y_q3" with yerrorlines lc rgb color(i) lw 2 pt 7 title nice(i), \
         for [i=1:nser] Y0[i] * (x / X0[i])**2 with lines dt 2 lw 1.5 lc rgb color(i) title (i == 1 ? "∝ α^2" : "")
}
