# S3 with few measurements: against c = m/(n r), the relative error after the
# budget (top) and the per-step gap in units of eta min|eig(Delta_0)|, the
# factorization's bound (bottom).
call system("dirname ".ARG0)."/style.gp" ARG1 ARG2
sigma(i) = word(label(i), 1)[10:]
do for [fmt in FORMATS] {
    @TERM
    if (fmt eq "pdf") { set terminal pdfcairo enhanced color font "Helvetica,9" size 4.6in,4.2in linewidth 1.2 rounded; set output OUT.".pdf" } else { set terminal pngcairo enhanced color font "Helvetica,12" size 920,840 linewidth 1.4 rounded; set output OUT.".png" }
    set multiplot layout 2,1 margins 0.13,0.97,0.09,0.98 spacing 0,0.04
    set logscale x
    set format x ""
    set xtics ("3" 3, "5" 5, "10" 10, "20" 20, "40 (identity)" 40)
    set xrange [2.7:50]
    set xlabel ""
    @LOGY
    set yrange [1e-11:10]
    set ylabel "relative error after the budget"
    set key top right
    plot for [i=1:nser] file(i) using "x":"y_med":"y_q1":"y_q3" with yerrorlines lc rgb color(i) lw 2 pt 7 title "σ_1 = ".sigma(i)
    set yrange [0.01:3]
    set format x "%g"
    set xlabel "c = m / (n r)"
    set ylabel "(1 − rate) / (η min|eig Δ_0|)"
    unset key
    plot for [i=1:nser] file(i) using "x":"y2_med":"y2_q1":"y2_q3" with yerrorlines lc rgb color(i) lw 2 pt 7 notitle, \
         1 with lines dt 2 lw 1.5 lc rgb "black" notitle
    unset multiplot
}
