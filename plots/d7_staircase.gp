# D7: the staircase of plateaus and the modes learned one at a time.
call system("dirname ".ARG0)."/style.gp" ARG1 ARG2
do for [fmt in FORMATS] {
    @TERM
    set multiplot layout 2,1 margins 0.12,0.97,0.11,0.97 spacing 0,0.04
    @LOGX
    @LOGY
    set xrange [10:1e5]
    set format x ""
    set xlabel ""
    set ylabel "loss"
    set yrange [1e-8:30]
    set key bottom left
    plot 0.5*(16 + 1 + 0.0625) with lines dt 2 lc rgb "black" title "½Σ_{i>k} s_i^2", \
         0.5*(1 + 0.0625) with lines dt 2 lc rgb "black" notitle, \
         0.5*0.0625 with lines dt 2 lc rgb "black" notitle, \
         for [i=1:nser] file(i) using "iter":"loss_med" with lines lc rgb color(i) lw 2 title "depth ".word(label(i), 1)[7:]
    set format x "10^{%T}"
    set xlabel "iteration t"
    set ylabel "singular values of W"
    set yrange [1e-4:10]
    set key top left
    plot 4 with lines dt 2 lc rgb "black" title "s_k", 1 with lines dt 2 lc rgb "black" notitle, 0.25 with lines dt 2 lc rgb "black" notitle, \
         for [i=1:nser] for [k=1:3] file(i) using "iter":sprintf("sv_%d_med", k) with lines lc rgb color(i) lw 2 notitle
    unset multiplot
}
