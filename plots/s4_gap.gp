# S4: the per-step gap against alpha, with the step (filled, with the
# prediction eta sigma_r^2/sigma_1 dashed black) and without (open,
# dash-dotted), per kappa.
call system("dirname ".ARG0)."/style.gp" ARG1 ARG2
# series labels "kappa=5 rebalance_eps0=0.01"
kap(i) = word(label(i), 1)[7:]
step(i) = word(label(i), 2)[16:] ne "0"
col(i) = color(int((i - 1) / 2) + 1)
do for [fmt in FORMATS] {
    @TERM
    @LOGX
    @LOGY
    set format x "%g"
    set xtics (0.025, 0.05, 0.1)
    set xrange [0.02:0.13]
    set yrange [1e-5:0.3]
    set xlabel "init scale α"
    set ylabel "per-step gap 1 − rate"
    set key bottom right
    plot for [i=1:nser] file(i) using "x":(step(i) ? column("y_med") : 1/0):"y_q1":"y_q3" with yerrorlines \
             lc rgb col(i) lw 2 pt 7 title (step(i) ? "κ = ".kap(i).", with the step" : ""), \
         for [i=1:nser] file(i) using "x":(step(i) ? 1/0 : column("y_med")):"y_q1":"y_q3" with yerrorlines \
             lc rgb col(i) lw 2 dt 4 pt 6 ps 1.3 title (step(i) ? "" : "κ = ".kap(i).", plain GD"), \
         for [i=1:nser] file(i) using "x":(step(i) ? column("theory") : 1/0) with lines dt 2 lw 1.2 lc rgb "black" \
             title (i == 2 ? "η σ_r^2 / σ_1" : "")
}
