# P1 with noise: error against t by method and SNR.
call system("dirname ".ARG0)."/style.gp" ARG1 ARG2
# "method=scaledgd snr_db=40" -> "ScaledGD, 40 dB"
t(i) = (word(label(i), 1) eq "method=gd" ? "GD" : "ScaledGD").", ".word(label(i), 2)[8:]." dB"
do for [fmt in FORMATS] {
    @TERM
    @LOGX
    @LOGY
    set xrange [1:*]
    set yrange [1e-6:10]
    set xlabel "iteration t"
    set ylabel "relative error"
    set key top right
    # series 1-3 ScaledGD (solid), 4-6 GD (dashed), one colour per SNR
    h = nser / 2
    plot for [i=1:h] file(i) using "iter":"rel_err_med" with lines lc rgb color(i) lw 2 title t(i), \
         for [i=h+1:nser] file(i) using "iter":"rel_err_med" with lines lc rgb color(i - h) lw 2 dt 2 title t(i)
}
