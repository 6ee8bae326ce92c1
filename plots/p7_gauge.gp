# P7: gauge invariance of ScaledGD, gauge dependence of GD.
call system("dirname ".ARG0)."/style.gp" ARG1 ARG2
# "method=scaledgd gauge_cond=10" -> "ScaledGD, cond(Q) = 10"
t(i) = (word(label(i), 1) eq "method=gd" ? "GD" : "ScaledGD").", cond(Q) = ".word(label(i), 2)[12:]
do for [fmt in FORMATS] {
    @TERM
    @LOGY
    set xrange [0:50]
    set yrange [1e-9:1e4]
    set xlabel "iteration t"
    set ylabel "relative error"
    set key top right
    # ScaledGD's three gauges are drawn wide to narrow, so that coinciding curves stay visible
    plot for [i=1:nser] file(i) using "iter":"rel_err_med" with lines lc rgb color(i) lw (i <= 3 ? 8 - 2*i : 2) title t(i)
}
