# P2: GD's runtime distribution (iterations to 1e-2, 1e-6, 1e-10) for each
# kappa; the curves move right in proportion to kappa.
call system("dirname ".ARG0)."/style.gp" ARG1 ARG2
do for [fmt in FORMATS] {
    @TERM
    @LOGX
    set xlabel "iterations to the target"
    set ylabel "fraction of (run, target) pairs reached"
    set key bottom right
    @RUNTIMES
}
