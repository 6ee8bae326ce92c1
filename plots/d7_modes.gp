# D7: depth-2 mode dynamics against the closed form of [SMG14] (u0 = 1e-4 and
# eta = 0.005, the spec's eps and eta).
call system("dirname ".ARG0)."/style.gp" ARG1 ARG2
u(s, t) = s / (1 + (s / 1e-4 - 1) * exp(-2 * s * 0.005 * t))
do for [fmt in FORMATS] {
    @TERM
    @LOGY
    set xrange [0:6000]
    set yrange [1e-4:10]
    set samples 400
    set xlabel "iteration t"
    set ylabel "singular values of W (depth 2)"
    set key bottom right
    plot for [k=1:3] file(1) using "iter":sprintf("sv_%d_med", k) with lines lc rgb color(k) lw 3 title sprintf("σ_%d(W)", k), \
         u(4, x) with lines dt 2 lw 1.5 lc rgb "black" title "closed form, s = 4, 1, 1/4", \
         u(1, x) with lines dt 2 lw 1.5 lc rgb "black" notitle, \
         u(0.25, x) with lines dt 2 lw 1.5 lc rgb "black" notitle
}
