# P3: performance profile (Dolan and More) of the four variants on the same
# instances: iterations to each target over the best variant's.
call system("dirname ".ARG0)."/style.gp" ARG1 ARG2
do for [fmt in FORMATS] {
    @TERM
    @LOGX
    set format x "%g"
    set xlabel "iterations to the target / those of the best variant on that pair (τ)"
    set ylabel "fraction of (instance, target) pairs"
    set key top left
    @RUNTIMES
}
