# S4 with few measurements: the gap after the re-imbalancing step in units of
# eta sigma_r^2/sigma_1 against c = m/(n r); c = n1 n2/(n r) is the identity.
call system("dirname ".ARG0)."/style.gp" ARG1 ARG2
sigma(i) = word(label(i), 1)[10:]
do for [fmt in FORMATS] {
    @TERM
    set logscale x
    @LOGY
    set format x "%g"
    set xtics ("5" 5, "10" 10, "20" 20, "40 (identity)" 40)
    set xrange [4:50]
    set yrange [1e-3:2]
    set xlabel "c = m / (n r)"
    set ylabel "(1 − rate) / (η σ_r^2 / σ_1) after the step"
    set key bottom right
    plot for [i=1:nser] file(i) using "x":"y_med":"y_q1":"y_q3" with yerrorlines lc rgb color(i) lw 2 pt 7 title "σ_1 = ".sigma(i), \
         1 with lines dt 2 lw 1.5 lc rgb "black" title "linearization (factorization)"
}
