# S1 with few measurements: against c = m/(n r), the constant t|XX^T - M*| in
# units of sqrt(k - r)/(2 eta) (top, log y, with the lower bound 1) and minus
# the last decade's log-log slope (bottom, with the 1/t law's 1).
call system("dirname ".ARG0)."/style.gp" ARG1 ARG2
sigma(i) = word(label(i), 1)[10:]
do for [fmt in FORMATS] {
    @TERM
    if (fmt eq "pdf") { set terminal pdfcairo enhanced color font "Helvetica,9" size 4.6in,4.2in linewidth 1.2 rounded; set output OUT.".pdf" } else { set terminal pngcairo enhanced color font "Helvetica,12" size 920,840 linewidth 1.4 rounded; set output OUT.".png" }
    set multiplot layout 2,1 margins 0.13,0.97,0.09,0.98 spacing 0,0.04
    set logscale x
    set format x ""
    set xtics (2, 3, 5, 10)
    set xrange [1.8:11]
    set xlabel ""
    @LOGY
    set yrange [0.5:*]
    set ylabel "t ‖X_tX_t^T − M*‖ / (√(k − r) / 2η)"
    set key top right
    plot for [i=1:nser] file(i) using "x":"y_med":"y_q1":"y_q3" with yerrorlines lc rgb color(i) lw 2 pt 7 title "σ_1 = ".sigma(i), \
         1 with lines dt 2 lw 1.5 lc rgb "black" title "lower bound (factorization's constant)"
    unset logscale y
    set format y "%g"
    set yrange [0:1.2]
    set format x "%g"
    set xlabel "c = m / (n r)"
    set ylabel "− log-log slope, last decade"
    unset key
    plot for [i=1:nser] file(i) using "x":"y2_med":"y2_q1":"y2_q3" with yerrorlines lc rgb color(i) lw 2 pt 7 notitle, \
         1 with lines dt 2 lw 1.5 lc rgb "black" notitle
    unset multiplot
}
