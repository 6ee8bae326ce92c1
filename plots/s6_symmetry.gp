# S6: the curse of symmetry, error against t from balanced to imbalanced starts.
call system("dirname ".ARG0)."/style.gp" ARG1 ARG2
# series labels "model=asym init=scaled g_ratio=0.5" -> "asymmetric, G_0 = 0.5 F_0"
init(i) = word(label(i), 2)[6:]
g(i) = word(label(i), 3)[9:]
t(i) = word(label(i), 1) eq "model=sym" ? "symmetric model XX^T" : \
       init(i) eq "same" ? "asymmetric, G_0 = F_0" : \
       init(i) eq "balanced" ? "asymmetric, balanced F_0^TF_0 = G_0^TG_0" : "asymmetric, G_0 = ".g(i)." F_0"
do for [fmt in FORMATS] {
    @TERM
    @LOGX
    @LOGY
    set xrange [1:*]
    set yrange [1e-12:10]
    set xlabel "iteration t"
    set ylabel "relative error"
    set key bottom left
    # the symmetric model (1) wide under G0 = F0 (2): the two curves coincide
    plot for [i=1:nser] file(i) using "iter":"rel_err_med" with lines lc rgb color(i) lw (i == 1 ? 6 : 2) title t(i)
}
