# S5: the three phases from small init, several alpha.
call system("dirname ".ARG0)."/style.gp" ARG1 ARG2
do for [fmt in FORMATS] {
    @TERM
    if (fmt eq "pdf") { set terminal pdfcairo enhanced color font "Helvetica,8" size 4.6in,5.2in linewidth 1.2 rounded; set output OUT.".pdf" } else { set terminal pngcairo enhanced color font "Helvetica,12" size 920,1040 linewidth 1.4 rounded; set output OUT.".png" }
    set multiplot layout 3,1 margins 0.12,0.97,0.07,0.98 spacing 0,0.03
    @LOGX
    @LOGY
    set xrange [1:*]
    set format x ""
    set xlabel ""
    set ylabel "relative error"
    set key bottom left
    plot for [i=1:nser] file(i) using "iter":"rel_err_med" with lines lc rgb color(i) lw 2 title nice(i)
    set ylabel "alignment sin θ"
    unset key
    plot for [i=1:nser] file(i) using "iter":"align_sin_med" with lines lc rgb color(i) lw 2 notitle
    set format x "10^{%T}"
    set xlabel "iteration t"
    set ylabel "excess ‖U_⊥^{*T} X‖_F"
    plot for [i=1:nser] file(i) using "iter":"excess_fro_med" with lines lc rgb color(i) lw 2 notitle
    unset multiplot
}
