#ifndef PDF_H
#define PDF_H

struct error;

/*
 * A report's HTML printed to PDF by headless Chromium (through exec.c),
 * on the paper its print CSS leaves to the printer (Chromium's default,
 * Letter) with the CSS's page furniture: the running header and, on
 * every page, the bundle's name and journal chain head (report.c's
 * print footer). The PDF is written to a temporary file beside `pdf`
 * and renamed into place, so a reader never sees half of one.
 *
 * The program is $RDRILL_CHROMIUM when set, else the first of chromium,
 * chromium-browser, google-chrome found on PATH; none is an error that
 * says how to install one. Returns 0, or -1 with `err` set.
 */
int pdf_print(const char *html, const char *pdf, struct error *err);

#endif
