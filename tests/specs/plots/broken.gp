# A figure script that fails half-way (after gnuplot has started the output).
call system("dirname ".ARG0)."/../../../plots/style.gp" ARG1 ARG2
set terminal pdfcairo
set output OUT.".pdf"
plot sin(x)
this is not gnuplot
