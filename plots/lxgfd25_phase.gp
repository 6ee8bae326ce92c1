# [LXGFD25] phase diagram: success fraction against a (20 values), real and complex, Wilson intervals.
call system("dirname ".ARG0)."/style.gp" ARG1 ARG2
xpos(a) = a > 0 ? a : 0.15
do for [fmt in FORMATS] {
    @TERM
    @LOGX
    set format x "%g"
    set xtics ("0" 0.15, "0.3" 0.3, "1" 1, "3" 3, "10" 10, "30" 30)
    set xrange [0.12:50]
    set yrange [0:1.05]
    set xlabel "balancing regularizer a"
    set ylabel "fraction of runs that converge"
    set key bottom left
    plot 0.5 with lines dt 2 lc rgb "black" title "1/2 ([LXGFD25] Thm 1, real)", \
         for [i=1:nser] file(i) using (xpos(column("x"))):"p":"lo":"hi" with yerrorlines lc rgb color(i) lw 2 pt 7 ps 0.8 title nice(i)
}
