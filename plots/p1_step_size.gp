# P1 across step sizes: the fraction of runs that converge against eta.
call system("dirname ".ARG0)."/style.gp" ARG1 ARG2
do for [fmt in FORMATS] {
    @TERM
    set xrange [0:1.3]
    set yrange [-0.05:1.05]
    set xlabel "step size η"
    set ylabel "fraction of runs reaching 10^{−12}"
    set arrow 1 from 2.0/3, graph 0 to 2.0/3, graph 1 nohead dt 2 lc rgb "black"
    set label 1 "η = 2/3 ([TMC21] Thm 2)" at 2.0/3, graph 0.2 right offset -0.5, 0
    set key bottom left
    plot for [i=1:nser] file(i) using "x":"p":"lo":"hi" with yerrorlines lc rgb color(i) lw 2 pt 7 title "ScaledGD, κ = 10"
}
