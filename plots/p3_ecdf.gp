# P3: runtime distributions (iterations to 1e-2, 1e-6, 1e-10) of AltScaledGD
# and ScaledGD from small random init; a curve that ends below 1 is the
# fraction of pairs the method reached at all.
call system("dirname ".ARG0)."/style.gp" ARG1 ARG2
do for [fmt in FORMATS] {
    @TERM
    @LOGX
    set xlabel "iterations to the target"
    set ylabel "fraction of (run, target) pairs reached"
    set key top left
    @RUNTIMES
}
