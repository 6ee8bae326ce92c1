# D8: test error against the number of observed entries, one line per depth
# (median, with the quartiles as error bars).
call system("dirname ".ARG0)."/style.gp" ARG1 ARG2
do for [fmt in FORMATS] {
    @TERM
    @LOGX
    @LOGY
    set format x "%g"
    set xlabel "observed entries"
    set ylabel "test error (unobserved entries, relative)"
    set key bottom left
    plot for [i=1:nser] file(i) using "x":"y_med":"y_q1":"y_q3" with yerrorlines lc rgb color(i) lw 2 pt 7 ps 0.8 title nice(i)
}
