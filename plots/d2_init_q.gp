# D2: init_q / sigma_max for every draw, split by the sign of det W(0).
call system("dirname ".ARG0)."/style.gp" ARG1 ARG2
do for [fmt in FORMATS] {
    @TERM
    @LOGX
    @LOGY
    set format x "%g"
    set xtics (2, 4, 8)
    set xrange [1.6:10]
    set yrange [1e-20:10]
    set xlabel "d (points shifted right for det W(0) > 0, left for det W(0) < 0)"
    set ylabel "σ_{min}(W + (WW^T)^{1/2}) / σ_{max}(W)"
    set key at graph 0.98, graph 0.62 right
    # exact zeros are drawn at the floor, 1e-19
    plot for [i=1:nser] file(i) using "x":(column("y") > 1e-19 ? column("y") : 1e-19) with points pt 7 ps 0.35 lc rgb color(i) title "one draw", \
         10 * 2 * 2.2e-16 with lines dt 2 lc rgb "black" title "10 d u (d = 2)", \
         10 * 8 * 2.2e-16 with lines dt 3 lc rgb "black" title "10 d u (d = 8)"
}
