#!/bin/sh
# The report printed as an auditor prints it: the demo drill for real,
# its report.html (zh-CN) and report.en.html printed to PDF by headless
# Chromium on Letter (Chromium's default paper, the CSS sets none) and
# on A4 (a copy with @page{size:A4} added, as a printer dialog would
# choose). Page 1 holds the verdict, the RTO and the whole summary (its
# last finding; the evidence starts on page 2); pages carry numbers and
# the running header; nothing is cut at the right edge: every line of
# every code block and every SHA-256 of report.md is in the PDF's text,
# and no word ends past the page's right margin. A page with a line
# that does overflow fails the same checks. Chromium and pdftotext
# (Debian: chromium, poppler-utils, fonts-noto-cjk; make deps) missing
# is a failure, not a skip.
. "$(dirname "$0")/lib.sh"
cd "$TOP"

CHROMIUM=""
for c in chromium chromium-browser google-chrome; do
	if command -v "$c" >/dev/null 2>&1; then CHROMIUM=$c; break; fi
done
expect_true "chromium is installed (make deps)" test -n "$CHROMIUM"
expect_true "pdftotext is installed (make deps: poppler-utils)" \
	sh -c 'command -v pdftotext && command -v pdfinfo'
if [ -z "$CHROMIUM" ] || ! command -v pdftotext >/dev/null 2>&1; then
	test_done
fi

# Headless, its own profile; as root Chromium needs --no-sandbox.
to_pdf() {
	timeout 180 "$CHROMIUM" --headless --no-sandbox --disable-gpu \
		--disable-dev-shm-usage --no-pdf-header-footer \
		--user-data-dir="$TRASH/chromium" --print-to-pdf="$2" \
		"file://$1" >"$TRASH/chromium.log" 2>&1
}

# Text of the PDF with every space and line break gone, and the page
# furniture (running header, "N / M") taken out, so a line wrapped by
# the print CSS, even across a page, reads whole again.
flat_text() { # PDF TITLE
	pages=$(pdfinfo "$1" | awk '/^Pages:/ {print $2}')
	pdftotext -raw "$1" - | tr -d ' \t\n\f\r' | awk -v title="$2" \
		-v pages="$pages" '{ s = s $0 } END {
		gsub(/ /, "", title)
		n = split(title, _)
		for (p = pages; p >= 1; p--) cut[p "/" pages] = 1
		cut[title] = 1
		for (k in cut) {
			if (k == "") continue
			out = ""
			while ((i = index(s, k)) > 0) {
				out = out substr(s, 1, i - 1); s = substr(s, i + length(k))
			}
			s = out s
		}
		print s }'
}

# Every line of every fenced block and every SHA-256 of MD is in FLAT.
all_printed() { # MD FLAT
	awk '/^```/ { inb = !inb; next } inb { gsub(/[ \t\r]/, ""); if ($0 != "") print }
	     { while (match($0, /[0-9a-f]{64}/)) { print substr($0, RSTART, 64); $0 = substr($0, RSTART + 64) } }' "$1" |
		sort -u >"$TRASH/want.txt"
	missing=0
	while IFS= read -r l; do
		case $(cat "$2") in *"$l"*) ;; *) echo "not printed: $l" >&2; missing=$((missing + 1)) ;; esac
	done <"$TRASH/want.txt"
	[ "$missing" -eq 0 ] && [ -s "$TRASH/want.txt" ]
}

# No word ends right of the page width less MARGIN points.
inside_width() { # PDF MARGIN
	pdftotext -bbox "$1" - | awk -v m="$2" '
		/<page / { match($0, /width="[0-9.]+"/); w = substr($0, RSTART + 7, RLENGTH - 8) + 0 }
		/<word / { match($0, /xMax="[0-9.]+"/); x = substr($0, RSTART + 6, RLENGTH - 7) + 0
			   if (x > w - m) { print "past the margin: " x " > " w - m ": " $0; bad++ } }
		END { exit bad ? 1 : 0 }' >&2
}

RDRILL_DEMO_DB_PASSWORD="pw-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
export RDRILL_DEMO_DB_PASSWORD RDRILL
expect_exit 0 sh drills/demo.sh -o "$TRASH/demo"
B=$TRASH/demo
expect_exit 0 "$RDRILL" render "$B" --lang en

# 15 mm right margin, less 2 pt for rounding.
MARGIN=40
for lang in zh-CN en; do
	if [ "$lang" = en ]; then
		html=$B/report.en.html md=$B/report.en.md
		verdict='Verdict:PASSED' last='Runwithout--approved-plan' body='Evidenceindetail'
	else
		html=$B/report.html md=$B/report.md
		verdict='结论：PASSED' last='未使用--approved-plan运行' body='证据详情'
	fi
	title=$(sed -n 's:.*<title>\(.*\)</title>.*:\1:p' "$html")
	rto=$(sed -n 's/^| RTO[^|]*| [^|]* | \([^|]*\) |.*/\1/p' "$md" | head -1 | tr -d ' ')
	sed 's|</head>|<style>@page{size:A4}</style></head>|' "$html" >"$TRASH/a4.html"
	for paper in letter A4; do
		src=$html
		[ "$paper" = A4 ] && src=$TRASH/a4.html
		pdf=$TRASH/$lang.$paper.pdf
		expect_exit 0 to_pdf "$src" "$pdf"
		expect_true "$lang $paper: the PDF is $paper" sh -c \
			"pdfinfo '$pdf' | grep -q '^Page size:.*($paper)'"
		pdftotext -f 1 -l 1 -raw "$pdf" - | tr -d ' \t\n\f\r' >"$TRASH/p1.txt"
		pdftotext -f 2 -l 2 -raw "$pdf" - >"$TRASH/p2raw.txt"
		tr -d ' \t\n\f\r' <"$TRASH/p2raw.txt" >"$TRASH/p2.txt"
		pages=$(pdfinfo "$pdf" | awk '/^Pages:/ {print $2}')
		expect_grep_F "$verdict" "$TRASH/p1.txt"
		expect_true "$lang $paper: page 1 holds the RTO ($rto)" sh -c \
			"test -n '$rto' && grep -qF 'RTO' '$TRASH/p1.txt' && grep -qF -- '$rto' '$TRASH/p1.txt'"
		expect_true "$lang $paper: page 1 holds the whole summary" \
			grep -qF -- "$last" "$TRASH/p1.txt"
		expect_true "$lang $paper: the evidence starts on page 2" sh -c \
			"! grep -qF '$body' '$TRASH/p1.txt' && grep -qF '$body' '$TRASH/p2.txt'"
		expect_true "$lang $paper: page 2 is numbered 2 / $pages" \
			grep -q "2 / $pages" "$TRASH/p2raw.txt"
		expect_true "$lang $paper: page 2 has the running header" \
			grep -qF -- "$(echo "$title" | tr -d ' ')" "$TRASH/p2.txt"
		flat_text "$pdf" "$title" >"$TRASH/flat.txt"
		expect_true "$lang $paper: every code line and hash is printed whole" \
			all_printed "$md" "$TRASH/flat.txt"
		expect_true "$lang $paper: no word past the right margin" \
			inside_width "$pdf" "$MARGIN"
	done
done

# The checks can fail: a line that does not wrap is cut at the edge.
{
	printf '<!DOCTYPE html><html><head><style>@page{margin:15mm}</style></head><body><pre style="white-space:pre">'
	i=0; while [ $i -lt 40 ]; do printf 'abcdefghij'; i=$((i + 1)); done
	printf 'ENDMARK</pre></body></html>\n'
} >"$TRASH/over.html"
{
	echo '```'
	i=0; while [ $i -lt 40 ]; do printf 'abcdefghij'; i=$((i + 1)); done
	echo 'ENDMARK'
	echo '```'
} >"$TRASH/over.md"
expect_exit 0 to_pdf "$TRASH/over.html" "$TRASH/over.pdf"
flat_text "$TRASH/over.pdf" "" >"$TRASH/flat.txt"
if all_printed "$TRASH/over.md" "$TRASH/flat.txt" 2>/dev/null; then
	fail "a line cut at the page edge passed the print check"
else
	pass "a line cut at the page edge fails the print check"
fi
test_done
