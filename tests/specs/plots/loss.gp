# A figure for the driver tests: medians of the trace data.
call system("dirname ".ARG0)."/../../../plots/style.gp" ARG1 ARG2
do for [fmt in FORMATS] {
    @TERM
    @LOGY
    plot for [i=1:nser] file(i) using "iter":"loss_med" with lines lc rgb color(i) title nice(i)
}
