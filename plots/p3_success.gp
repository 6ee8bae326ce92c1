# P3: success of AltScaledGD against ScaledGD from small random init, against the width d = r.
call system("dirname ".ARG0)."/style.gp" ARG1 ARG2
do for [fmt in FORMATS] {
    @TERM
    @LOGX
    set format x "%g"
    set xtics (2, 5, 10, 20)
    set xrange [1.6:25]
    set yrange [0:1.05]
    set xlabel "width d = r"
    set ylabel "fraction of runs reaching 10^{−10}"
    set key bottom left
    plot for [i=1:nser] file(i) using (column("x")*(1 + 0.04*(i - 2.5))):"p":"lo":"hi" with yerrorlines lc rgb color(i) lw 2 pt 7 title nice(i)
}
