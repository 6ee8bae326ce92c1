# S6 with few measurements: the error after the budget against c = m/(n r),
# one series per start; c = n1 n2/(n r) is the identity.
call system("dirname ".ARG0)."/style.gp" ARG1 ARG2
init(i) = word(label(i), 1)[6:]
t(i) = init(i) eq "same" ? "G_0 = F_0" : init(i) eq "balanced" ? "balanced F_0^TF_0 = G_0^TG_0" : "G_0 = F_0/2"
do for [fmt in FORMATS] {
    @TERM
    set logscale x
    @LOGY
    set format x "%g"
    set xtics ("5" 5, "10" 10, "20" 20, "40 (identity)" 40)
    set xrange [4:50]
    set yrange [1e-12:1]
    set xlabel "c = m / (n r)"
    set ylabel "relative error after 10^4 steps"
    set key bottom left
    plot for [i=1:nser] file(i) using "x":"y_med":"y_q1":"y_q3" with yerrorlines lc rgb color(i) lw 2 pt 7 title t(i)
}
