# D4: extreme singular values of layer 1 under a small and a large regularizer.
call system("dirname ".ARG0)."/style.gp" ARG1 ARG2
do for [fmt in FORMATS] {
    @TERM
    @LOGX
    set xrange [1:*]
    set xlabel "iteration t"
    set ylabel "singular values of W_1"
    set key top left
    plot for [i=1:nser] file(i) using "iter":"layer1_smax_q1":"layer1_smax_q3" with filledcurves lc rgb color(i) fs transparent solid BAND noborder notitle, \
         for [i=1:nser] file(i) using "iter":"layer1_smax_med" with lines lc rgb color(i) lw 2 title nice(i)." (σ_{max})", \
         for [i=1:nser] file(i) using "iter":"layer1_smin_q1":"layer1_smin_q3" with filledcurves lc rgb color(i) fs transparent solid BAND noborder notitle, \
         for [i=1:nser] file(i) using "iter":"layer1_smin_med" with lines lc rgb color(i) lw 2 dt 2 title nice(i)." (σ_{min})"
}
