# D6: iterations to 1e-10 against the deficiency-margin bound.
call system("dirname ".ARG0)."/style.gp" ARG1 ARG2
do for [fmt in FORMATS] {
    @TERM
    @LOGX
    @LOGY
    set xrange [1e2:1e7]
    set yrange [10:1e7]
    set xlabel "bound log(L(0)/ε) / (η c^{2(N−1)/N})"
    set ylabel "iterations to L ≤ 10^{−10}"
    set key top left
    plot x with lines dt 2 lc rgb "black" title "iterations = bound", \
         for [i=1:nser] file(i) using "x":"y" with points pt 7 ps 0.8 lc rgb color(i) title nice(i)
}
