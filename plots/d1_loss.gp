# D1: L_ori against iterations at a = 30, real against complex: median and quartile band.
call system("dirname ".ARG0)."/style.gp" ARG1 ARG2
do for [fmt in FORMATS] {
    @TERM
    @LOGY
    set xrange [0:30000]
    set xtics 5000
    set yrange [1e-22:10]
    set xlabel "iteration t"
    set ylabel "L_{ori}(t) = ½‖Σ − W(t)‖^2"
    set key bottom left
    plot 0.5 with lines dt 2 lc rgb "black" title "saddle level σ^2/2", \
         for [i=1:nser] file(i) using "iter":"loss_ori_q1":"loss_ori_q3" with filledcurves lc rgb color(i) fs transparent solid BAND noborder notitle, \
         for [i=1:nser] file(i) using "iter":"loss_ori_med" with lines lc rgb color(i) lw 2 title nice(i)
}
