# P2: the same runtimes divided by kappa; they fall together when GD's
# iterations grow in proportion to kappa.
call system("dirname ".ARG0)."/style.gp" ARG1 ARG2
do for [fmt in FORMATS] {
    @TERM
    @LOGX
    set xlabel "iterations to the target / κ"
    set ylabel "fraction of (run, target) pairs reached"
    set key bottom right
    @RUNTIMES
}
