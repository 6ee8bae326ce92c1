# style.gp — the look every mfdyn figure shares.  A figure script is run as
#     gnuplot -c plots/X.gp <data> <out>
# where <data> is the prefix `mfd plot` wrote (<data>.series lists the
# series, <data>.series.gp the same for gnuplot, <data>.<i>.csv holds
# series i, columns selected by name) and <out>
# the prefix of the figure.  The script loads this file, then draws once per
# format from the same commands:
#     call "<dir>/style.gp" ARG1 ARG2   (passing the arguments on)
#     do for [fmt in FORMATS] { @TERM; ...; plot ... }
# giving <out>.pdf (vector, for the paper) and <out>.png (for README.md).
# Conventions: repetitions are a median line with a quartile band in the
# series' colour; theory is dashed, in the series' colour or black; log axes
# are labelled in powers of ten.
set datafile separator ","
set datafile missing "nan"
DATA = ARG1
OUT = ARG2
FORMATS = "pdf png"
TERM = 'if (fmt eq "pdf") { set terminal pdfcairo enhanced color font "Helvetica,9" size 4.6in,3.0in linewidth 1.2 rounded; set output OUT.".pdf" } else { set terminal pngcairo enhanced color font "Helvetica,12" size 920,600 linewidth 1.4 rounded; set output OUT.".png" }'

# the series: nser and their labels, loaded from <data>.series.gp (mfd plot
# writes it beside <data>.series; no shell is started per label)
load DATA.".series.gp"
file(i) = sprintf("%s.%d.csv", DATA, i)
label(i) = SERIES_LABEL[i]
# "field=real a=30" -> "field = real, a = 30"
nice(i) = SERIES_NICE[i]

# Okabe-Ito: distinguishable with the common colour-vision deficiencies
PALETTE = "#0072B2 #D55E00 #009E73 #CC79A7 #E69F00 #56B4E9 #000000 #999999"
color(i) = word(PALETTE, (i - 1) % 8 + 1)
BAND = 0.18

LOGX = 'set logscale x; set format x "10^{%T}"'
LOGY = 'set logscale y; set format y "10^{%T}"'
set grid lc rgb "#e0e0e0" lw 0.6
set key top right opaque box lc rgb "#c0c0c0" samplen 2.5 spacing 1.15 width 1 Left reverse
set border lw 1
set tics out nomirror
set mxtics
set mytics

# Runtime distributions (kinds ecdf and data_profile): each series' fraction
# p of pairs solved against the budget x, as steps (p holds from its x to the
# next row's; every curve spans the same budgets), for a log x axis.  A curve
# that ends below 1 left pairs unsolved within the runs' budget.
RUNTIMES = 'set yrange [0:1.04]; set ytics 0.2; plot for [i=1:nser] file(i) using "x":"p" with steps lc rgb color(i) lw 2 title nice(i)'
