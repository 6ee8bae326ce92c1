# D5: relative error of the measured local gap against (1 - 4 eta sigma^1.5)^2.
call system("dirname ".ARG0)."/style.gp" ARG1 ARG2
do for [fmt in FORMATS] {
    @TERM
    @LOGY
    set xrange [0.58:1]
    set yrange [1e-9:1e-1]
    set xlabel "predicted contraction (1 − 4ησ^{3/2})^2"
    set ylabel "|measured gap / predicted gap − 1|"
    set key top left
    plot 2e-2 with lines dt 2 lc rgb "black" title "the claim's tolerance", \
         for [i=1:nser] file(i) using "x":"y" with points pt (i + 5) ps 1.3 lw 1.5 lc rgb color(i) title nice(i)
}
