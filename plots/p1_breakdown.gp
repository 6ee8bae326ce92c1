# P1 breakdown: the fraction of ScaledGD runs that converge, against c = m / (n r), 30 instances a point.
call system("dirname ".ARG0)."/style.gp" ARG1 ARG2
do for [fmt in FORMATS] {
    @TERM
    set xrange [2.3:4.2]
    set yrange [0:1.05]
    set xlabel "c = m / (n r)"
    set ylabel "fraction of runs reaching 10^{−12}"
    set key bottom right
    plot for [i=1:nser] file(i) using (column("x")*(1 + 0.01*(i - 2))):"p":"lo":"hi" with yerrorlines lc rgb color(i) lw 2 pt 7 title nice(i)
}
