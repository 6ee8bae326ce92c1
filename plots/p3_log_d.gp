# P3: AltScaledGD's iterations to 1e-10 against the width d = r.
call system("dirname ".ARG0)."/style.gp" ARG1 ARG2
do for [fmt in FORMATS] {
    @TERM
    @LOGX
    set format x "%g"
    set xtics (2, 5, 10, 20)
    set xrange [1.6:25]
    set yrange [0:300]
    set xlabel "width d = r"
    set ylabel "iterations to 10^{−10}"
    set key top right
    plot for [i=1:nser] file(i) using (column("x")*(1 + 0.03*(i - 2.5))):"y_med":"y_q1":"y_q3" with yerrorlines lc rgb color(i) lw 2 pt 7 title nice(i)
}
