# A figure for the driver tests: runtime distributions as steps on a log x axis.
call system("dirname ".ARG0)."/../../../plots/style.gp" ARG1 ARG2
do for [fmt in FORMATS] {
    @TERM
    @LOGX
    set yrange [0:1]
    plot for [i=1:nser] file(i) using "x":"p" with steps lc rgb color(i) title nice(i)
}
