# D10: iterations to L = 1e-2, 1e-6 and 1e-10 against the width d (median and
# quartiles over the repetitions; a run that never got there counts as 1e9),
# with d^3, the bound the claim puts on the growth, through the first median.
call system("dirname ".ARG0)."/style.gp" ARG1 ARG2
# the first row: x and y3_med (columns 1 and 8)
x0 = real(system(sprintf("sed -n 2p '%s' | cut -d, -f1", file(1))))
y0 = real(system(sprintf("sed -n 2p '%s' | cut -d, -f8", file(1))))
do for [fmt in FORMATS] {
    @TERM
    @LOGX
    @LOGY
    set format x "%g"
    set xtics (2, 4, 8, 16)
    set xrange [1.6:20]
    set xlabel "width d"
    set ylabel "iterations"
    set key top left
    plot for [k=1:3] file(1) using "x":sprintf("y%s_med", k == 1 ? "" : sprintf("%d", k)):sprintf("y%s_q1", k == 1 ? "" : sprintf("%d", k)):sprintf("y%s_q3", k == 1 ? "" : sprintf("%d", k)) \
             with yerrorlines lc rgb color(k) lw 2 pt 7 ps 0.8 title word("L=10^{-2} L=10^{-6} L=10^{-10}", k), \
         y0 * (x / x0)**3 with lines dt 2 lc rgb "black" title "∝ d^3 (the claim's bound on the growth)"
}
