# D9: the fraction of runs still running (L_ori above 1e-10) against the
# iteration budget, real against complex: one minus the empirical
# distribution of each run's iter_to_1e-10 (a run that never got there is
# placed at 1e9, beyond the axis, so it counts as running throughout).
call system("dirname ".ARG0)."/style.gp" ARG1 ARG2
surv(i) = sprintf("%s.%d.cdf", DATA, i)
set table
do for [i=1:nser] {
    set output surv(i)
    plot file(i) using (column("x")):(1.0) smooth cnormal
}
unset table
set datafile separator whitespace
do for [fmt in FORMATS] {
    @TERM
    @LOGX
    @LOGY
    set xrange [1e3:4e5]
    set yrange [0.02:1.3]
    set xlabel "iterations (eta = 0.002)"
    set ylabel "fraction of runs not yet at L < 10^{-10}"
    set key bottom left
    plot 0.5 with lines dt 2 lc rgb "black" title "1/2 ([LXGFD25] Thm 2: a real run fails w.p. >= 1/2)", \
         for [i=1:nser] surv(i) using 1:(1 - $2) with steps lc rgb color(i) lw 2 title nice(i)
}
