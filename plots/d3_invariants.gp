# D3: skew error and Hermitian sigma_min along single runs, balanced (first
# half of the series) against random init (second half).
call system("dirname ".ARG0)."/style.gp" ARG1 ARG2
half = nser / 2
c(i) = color(i <= half ? 1 : 2)
t(i) = i == 1 ? "balanced init" : (i == half + 1 ? "random init" : "")
do for [fmt in FORMATS] {
    @TERM
    set multiplot layout 2,1 margins 0.12,0.97,0.11,0.97 spacing 0,0.04
    @LOGX
    @LOGY
    set xrange [1:*]
    set format x ""
    set xlabel ""
    set ylabel "skew error"
    set key bottom left
    plot for [i=1:nser] file(i) using "iter":"skew_err_med" with lines lc rgb c(i) lw 1.5 title t(i)
    unset logscale y
    set format y "%g"
    set format x "10^{%T}"
    set xlabel "iteration t"
    set ylabel "Hermitian σ_{min}"
    unset key
    plot for [i=1:nser] file(i) using "iter":"herm_smin_med" with lines lc rgb c(i) lw 1.5 notitle
    unset multiplot
}
