#define _POSIX_C_SOURCE 200809L
#include "drv_claimtab.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drv_csv.h"
#include "drv_file.h"
#include "drv_text.h"

static bool outside(const drv_claims_result *r) { return strncmp(r->hypotheses, "outside:", 8) == 0; }

void drv_claimtab_print(FILE *f, const drv_claims_result *r, size_t n)
{
    fprintf(f, "%-4s %-28s %-8s %-22s %-26s %-40s %s\n", "id", "claim", "kind", "source", "predicted", "measured",
            "verdict");
    for (size_t i = 0; i < n; i++) {
        const char *cells[] = {r[i].id, r[i].name, drv_claims_kind_name(r[i].kind), r[i].source, r[i].predicted,
                               r[i].measured};
        static const size_t width[] = {4, 28, 8, 22, 26, 40};
        for (size_t c = 0; c < 6; c++) {
            drv_text_cell(f, cells[c], width[c]);
            fputc(' ', f);
        }
        fprintf(f, "%s\n", drv_verdict_name(r[i].verdict));
        if (strlen(r[i].measured) > 40)
            fprintf(f, "     measured: %s\n", r[i].measured);
        if (outside(&r[i]))
            fprintf(f, "     %s\n", r[i].hypotheses);
        if (r[i].note[0])
            fprintf(f, "     note: %s\n", r[i].note);
    }
}

void drv_claimtab_count(const drv_claims_result *r, size_t n, size_t counts[3][5], size_t *nout)
{
    memset(counts, 0, 15 * sizeof(size_t));
    *nout = 0;
    for (size_t i = 0; i < n; i++) {
        counts[r[i].kind][r[i].verdict]++;
        *nout += r[i].kind == DRV_CLAIMS_LAW && outside(&r[i]);
    }
}

/* "12 confirmed, 1 inconclusive" for the verdicts that occur. */
static void put_verdicts(FILE *f, const size_t *c)
{
    static const char *const words[5] = {"confirmed", "contradicted", "inconclusive", "deviation", "deviation gone"};
    bool first = true;
    for (int v = 0; v < 5; v++)
        if (c[v]) {
            fprintf(f, "%s%zu %s", first ? "" : ", ", c[v], words[v]);
            first = false;
        }
    if (first)
        fputs("none", f);
}

void drv_claimtab_print_counts(FILE *f, const drv_claims_result *r, size_t n)
{
    size_t c[3][5], nout, in[5] = {0, 0, 0, 0, 0};
    drv_claimtab_count(r, n, c, &nout);
    for (size_t i = 0; i < n; i++)
        if (r[i].kind == DRV_CLAIMS_LAW && !outside(&r[i]))
            in[r[i].verdict]++;
    size_t laws = 0;
    for (int v = 0; v < 5; v++)
        laws += in[v];
    fprintf(f, "%zu laws within their theorems' hypotheses: ", laws);
    put_verdicts(f, in);
    fprintf(f, "\n%zu claims in all:", n);
    static const char *const kinds[3] = {"laws", "identities", "sanity checks"};
    for (int k = 0; k < 3; k++) {
        size_t t = 0;
        for (int v = 0; v < 5; v++)
            t += c[k][v];
        fprintf(f, "%s %zu %s (", k ? ";" : "", t, kinds[k]);
        put_verdicts(f, c[k]);
        fputc(')', f);
    }
    fprintf(f, "; %zu laws measured outside their hypotheses\n", nout);
}

/* A table to write: r[n]. */
typedef struct table {
    const drv_claims_result *r;
    size_t n;
} table;

#define NCSV 11
static const char *const CSV_HEAD = "experiment,claim,id,kind,source,statement,hypotheses,predicted,measured,verdict,"
                                    "note";

static bool put_csv(FILE *f, const void *ctx, char *err, size_t errlen)
{
    const drv_claims_result *r = ((const table *)ctx)->r;
    size_t n = ((const table *)ctx)->n;
    (void)err, (void)errlen; /* formatting into memory does not fail */
    fprintf(f, "%s\n", CSV_HEAD);
    for (size_t i = 0; i < n; i++) {
        const char *fields[NCSV] = {r[i].experiment, r[i].name,       r[i].id,
                                    drv_claims_kind_name(r[i].kind),  r[i].source,
                                    r[i].statement,  r[i].hypotheses, r[i].predicted,
                                    r[i].measured,   drv_verdict_name(r[i].verdict), r[i].note};
        for (int k = 0; k < NCSV; k++) {
            if (k)
                fputc(',', f);
            drv_csv_put(f, fields[k]);
        }
        fputc('\n', f);
    }
    return true;
}

bool drv_claimtab_write_csv(const char *path, const drv_claims_result *r, size_t n, char *err, size_t errlen)
{
    table t = {r, n};
    return drv_file_write(path, put_csv, &t, err, errlen);
}

static const char *tex_verdict(drv_verdict v)
{
    switch (v) {
    case DRV_CONFIRMED: return "confirmed";
    case DRV_CONTRADICTED: return "\\textbf{contradicted}";
    case DRV_INCONCLUSIVE: return "\\emph{inconclusive}";
    case DRV_DEVIATION: return "deviation";
    case DRV_DEVIATION_GONE: return "\\textbf{deviation gone}";
    }
    return "?";
}

/* The counts per kind (rows) and verdict (columns). */
static void put_tex_counts(FILE *f, const drv_claims_result *r, size_t n)
{
    size_t c[3][5], nout;
    drv_claimtab_count(r, n, c, &nout);
    static const char *const kinds[3] = {"law", "identity", "sanity"};
    fputs("\\begin{center}\\begin{tabular}{@{}lrrrrrr@{}}\n\\toprule\nkind & confirmed & contradicted & "
          "inconclusive & deviation & deviation gone & all\\\\\n\\midrule\n",
          f);
    for (int k = 0; k < 3; k++) {
        size_t t = 0;
        fputs(kinds[k], f);
        for (int v = 0; v < 5; v++) {
            fprintf(f, " & %zu", c[k][v]);
            t += c[k][v];
        }
        fprintf(f, " & %zu\\\\\n", t);
    }
    fprintf(f, "\\bottomrule\n\\end{tabular}\\\\[2pt]{\\footnotesize %zu of the laws are measured outside their "
               "theorems' hypotheses.}\\end{center}\n",
            nout);
}

static bool put_tex(FILE *f, const void *ctx, char *err, size_t errlen)
{
    const drv_claims_result *r = ((const table *)ctx)->r;
    size_t n = ((const table *)ctx)->n;
    (void)err, (void)errlen; /* formatting into memory does not fail */
    fputs("% Generated by mfd check.\n", f);
    put_tex_counts(f, r, n);
    fputs("\\begin{longtable}{@{}l>{\\raggedright}p{0.19\\linewidth}l>{\\raggedright}p{0.17\\linewidth}>{\\raggedright"
          "\\arraybackslash}p{0.3\\linewidth}l@{}}\n"
          "\\toprule\nid & claim & kind & predicted & measured & verdict\\\\\n\\midrule\n\\endhead\n",
          f);
    for (size_t i = 0; i < n; i++) {
        drv_text_tex_escape(f, r[i].id);
        fputs(" & \\texttt{", f);
        for (const char *c = r[i].name; *c; c++) /* long names break after an underscore */
            fputs(*c == '_' ? "\\_\\allowbreak{}" : (char[2]){*c, 0}, f);
        fprintf(f, "} & %s & ", drv_claims_kind_name(r[i].kind));
        drv_text_tex_escape(f, r[i].predicted);
        fputs(" & ", f);
        drv_text_tex_escape(f, r[i].measured);
        fprintf(f, " & %s\\\\*\n & \\multicolumn{5}{p{0.82\\linewidth}}{\\footnotesize ", tex_verdict(r[i].verdict));
        drv_text_tex_escape(f, r[i].statement);
        fputs(" (", f);
        drv_text_tex_escape(f, r[i].source);
        fputs(")", f);
        if (outside(&r[i])) {
            fputs(". \\emph{Outside the hypotheses:", f);
            drv_text_tex_escape(f, r[i].hypotheses + 8);
            fputs("}", f);
        }
        if (r[i].verdict != DRV_CONFIRMED && r[i].note[0]) {
            fputs(". \\emph{", f);
            drv_text_tex_escape(f, r[i].note);
            fputs("}", f);
        }
        fputs("}\\\\[2pt]\n", f);
    }
    fputs("\\bottomrule\n\\end{longtable}\n", f);
    return true;
}

bool drv_claimtab_write_tex(const char *path, const drv_claims_result *r, size_t n, char *err, size_t errlen)
{
    table t = {r, n};
    return drv_file_write(path, put_tex, &t, err, errlen);
}

bool drv_claimtab_read_csv(const char *path, drv_claims_result **out, size_t *n, char *err, size_t errlen)
{
    drv_csv t;
    if (!drv_csv_read(path, &t, err, errlen))
        return false;
    char head[256] = "";
    for (size_t k = 0; k < t.ncols; k++)
        snprintf(head + strlen(head), sizeof head - strlen(head), "%s%s", k ? "," : "", t.names[k]);
    if (strcmp(head, CSV_HEAD) != 0) {
        snprintf(err, errlen, "%s: not a claims table of this version (columns %s; expected %s): run mfd check again",
                 path, head, CSV_HEAD);
        drv_csv_free(&t);
        return false;
    }
    drv_claims_result *r = calloc(t.nrows ? t.nrows : 1, sizeof *r);
    if (!r) {
        drv_csv_free(&t);
        snprintf(err, errlen, "out of memory");
        return false;
    }
    for (size_t i = 0; i < t.nrows; i++) {
        const char *v[NCSV];
        for (int k = 0; k < NCSV; k++)
            v[k] = drv_csv_cell(&t, i, (size_t)k);
        snprintf(r[i].experiment, sizeof r[i].experiment, "%s", v[0]);
        snprintf(r[i].name, sizeof r[i].name, "%s", v[1]);
        snprintf(r[i].id, sizeof r[i].id, "%s", v[2]);
        if (!drv_claims_kind_parse(v[3], &r[i].kind))
            r[i].kind = DRV_CLAIMS_LAW;
        snprintf(r[i].source, sizeof r[i].source, "%s", v[4]);
        snprintf(r[i].statement, sizeof r[i].statement, "%s", v[5]);
        snprintf(r[i].hypotheses, sizeof r[i].hypotheses, "%s", v[6]);
        snprintf(r[i].predicted, sizeof r[i].predicted, "%s", v[7]);
        snprintf(r[i].measured, sizeof r[i].measured, "%s", v[8]);
        if (!drv_verdict_parse(v[9], &r[i].verdict))
            r[i].verdict = DRV_INCONCLUSIVE;
        snprintf(r[i].note, sizeof r[i].note, "%s", v[10]);
    }
    *out = r;
    *n = t.nrows;
    drv_csv_free(&t);
    return true;
}
