# A figure for the driver tests: the first two columns of every series.
call system("dirname ".ARG0)."/../../../plots/style.gp" ARG1 ARG2
do for [fmt in FORMATS] {
    @TERM
    plot for [i=1:nser] file(i) using 1:2 with points lc rgb color(i) title nice(i)
}
