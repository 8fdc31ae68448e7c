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
# that does overflow fails the same checks.
#
# Issue 20 (point 9): the demo's reports (both bundles, both languages)
# print in at most 12 pages ($DEMO_MAX) on A4 and on Letter, and a drill
# on a database of 110 tables (built here, on a real server) in at most
# 15 ($WIDE_MAX): a step's status is one line, a log shows its first
# and last lines (the whole log is linked), the summary of checks counts
# the passed ones, and a fingerprint lists only the tables that are not
# identical, linking every table's evidence in the bundle
# (steps/NN-ID.tables.md, sealed). Each page count is printed;
# no word of a table cell is split across lines (pdftotext's words and
# their boxes against report.md's words; a cell that does split one
# fails the same check); `rdrill render --pdf` writes BUNDLE.pdf beside
# the bundle, every page naming the bundle and its journal's chain head,
# the bundle still verifying, and a clear error when Chromium is
# missing. Chromium and pdftotext
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

# No word of MD's prose is printed split across lines: in PDF, a chain
# of word boxes each starting the next line at or left of the one
# before ("Me" / "as" / "ure" / "d") whose letters make one of MD's
# words while some piece alone is not one. MD's words are its text
# outside code (commands, paths and hashes may wrap).
no_split_words() { # PDF MD
	awk '/^```/ { inb = !inb; next } !inb { gsub(/`[^`]*`/, " "); print }' "$2" |
		tr -c 'A-Za-z' '\n' | awk 'length($0) > 1' | sort -u >"$TRASH/words.txt"
	pdftotext -bbox "$1" - | awk -v words="$TRASH/words.txt" '
		BEGIN { while ((getline w < words) > 0) known[w] = 1 }
		/<page / { flush(); n = 0 }
		/<word / {
			match($0, /xMin="[0-9.]+"/); x0[n] = substr($0, RSTART + 6, RLENGTH - 7) + 0
			match($0, /yMin="[0-9.]+"/); y0[n] = substr($0, RSTART + 6, RLENGTH - 7) + 0
			match($0, /yMax="[0-9.]+"/); y1[n] = substr($0, RSTART + 6, RLENGTH - 7) + 0
			t = $0; sub(/^[^>]*>/, "", t); sub(/<.*$/, "", t)
			gsub(/[^A-Za-z]/, "", t); txt[n++] = t
		}
		END { flush(); exit bad ? 1 : 0 }
		function flush(  i, j, k, h, best, w, all, hops) {
			for (i = 0; i < n; i++) {
				nx[i] = -1
				if (txt[i] == "") continue
				h = y1[i] - y0[i]
				for (j = 0; j < n; j++) {
					if (txt[j] == "" || x0[j] > x0[i] + 0.5) continue
					if (y0[j] <= y0[i] + h * 0.5 || y0[j] > y0[i] + h * 1.8) continue
					if (nx[i] < 0 || x0[j] > x0[nx[i]]) nx[i] = j
				}
			}
			for (i = 0; i < n; i++) {
				w = txt[i]; all = (w in known); k = i
				for (hops = 0; hops < 5 && nx[k] >= 0; hops++) {
					k = nx[k]; w = w txt[k]; all = all && (txt[k] in known)
					if (length(w) > 3 && (w in known) && !all) {
						print "split: " w; bad++
					}
				}
			}
		}' >&2
}

# The same check on HTML printed with its code hidden (the layout kept:
# visibility, not display), so only prose is in the PDF's words.
prose_whole() { # HTML MD [EXTRA-CSS]
	sed "s|</head>|<style>code,pre{visibility:hidden}${3:-}</style></head>|" "$1" >"$TRASH/prose.html"
	to_pdf "$TRASH/prose.html" "$TRASH/prose.pdf" && no_split_words "$TRASH/prose.pdf" "$2"
}

pages_of() { pdfinfo "$1" | awk '/^Pages:/ {print $2}'; }
DEMO_MAX=12 WIDE_MAX=15

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

# 13 mm right margin, less 2 pt for rounding.
MARGIN=35
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
		css=""
		[ "$paper" = A4 ] && css='@page{size:A4}'
		expect_true "$lang $paper: no word of a cell split across lines" \
			prose_whole "$html" "$md" "$css"
		echo "# $lang $paper: $pages pages"
		expect_true "$lang $paper: at most $DEMO_MAX pages ($pages)" \
			test "$pages" -le "$DEMO_MAX"
	done
done

# The scheduled demo's bundle, printed the same ways.
S=$TRASH/demo-scheduled
expect_file "$S/report.html"
sed 's|</head>|<style>@page{size:A4}</style></head>|' "$S/report.html" >"$TRASH/s-a4.html"
expect_exit 0 to_pdf "$S/report.html" "$TRASH/s.letter.pdf"
expect_exit 0 to_pdf "$TRASH/s-a4.html" "$TRASH/s.A4.pdf"
for paper in letter A4; do
	pages=$(pages_of "$TRASH/s.$paper.pdf")
	echo "# scheduled $paper: $pages pages"
	expect_true "scheduled demo, $paper: at most $DEMO_MAX pages ($pages)" \
		test "$pages" -le "$DEMO_MAX"
	css=""
	[ "$paper" = A4 ] && css='@page{size:A4}'
	expect_true "scheduled demo, $paper: no word of a cell split" \
		prose_whole "$S/report.html" "$S/report.md" "$css"
done

# rdrill render --pdf: beside the bundle, its name and chain head on
# every page, the bundle untouched (it still verifies, nothing added).
HEAD=$(sed -n 's/^journal-head: *//p' "$B/SEAL")
expect_true "SEAL names the journal head" test -n "$HEAD"
expect_exit 0 "$RDRILL" render "$B" --pdf
expect_grep_F "$TRASH/demo.pdf" "$OUT"
expect_file "$TRASH/demo.pdf"
expect_no_file "$B/demo.pdf"
pages=$(pages_of "$TRASH/demo.pdf")
expect_true "render --pdf: at most $DEMO_MAX pages ($pages)" test "$pages" -le "$DEMO_MAX"
tied=0 p=1
while [ "$p" -le "${pages:-0}" ]; do
	pdftotext -f "$p" -l "$p" -raw "$TRASH/demo.pdf" - | tr -d ' \n' >"$TRASH/pg.txt"
	# The footer in the report's language (zh-CN here; en beside it).
	if grep -qF "demo·日志链头$HEAD" "$TRASH/pg.txt" ||
	   grep -qF "demo·journalhead$HEAD" "$TRASH/pg.txt"; then tied=$((tied + 1)); fi
	p=$((p + 1))
done
expect_true "every page of demo.pdf names the bundle and its chain head ($tied of $pages)" \
	test "$tied" -eq "$pages" -a "$pages" -gt 0
expect_exit 0 "$RDRILL" render "$B" --lang en --pdf
expect_file "$TRASH/demo.en.pdf"
expect_exit 0 "$RDRILL" verify "$B"
expect_grep '^VERIFIED' "$OUT"
RDRILL_CHROMIUM=$TRASH/no-such-chromium expect_exit 1 "$RDRILL" render "$S" --pdf
expect_grep_F "pdf needs headless Chromium" "$ERR"
expect_no_file "$TRASH/demo-scheduled.pdf"

# A drill on 110 tables (real server): dump, fingerprint, drop, restore,
# fingerprint again, printed in at most 15 pages on both papers.
pg_start || exit 1
P="$PG_BIN/psql -X -q -v ON_ERROR_STOP=1 -d"
$P postgres -c 'CREATE DATABASE wide' || exit 1
i=1
while [ $i -le 110 ]; do
	echo "CREATE TABLE t$i (id serial PRIMARY KEY, name text, at timestamptz);"
	echo "INSERT INTO t$i (name, at) SELECT 'n' || g, '2026-01-01'::timestamptz + g * interval '1 min' FROM generate_series(1, $i) g;"
	i=$((i + 1))
done | $P wide || exit 1
PSQL="\"$PG_BIN/psql\", -X, -v, ON_ERROR_STOP=1, -h, \"$PGHOST\", -p, \"$PGPORT\", -U, postgres"
{ drill_head wide test
cat <<EOF
connections:
  wide: {host: "$PGHOST", port: $PGPORT, dbname: wide, user: postgres}
phases:
  backup:
    - id: dump
      run: ["$PG_BIN/pg_dump", -h, "$PGHOST", -p, "$PGPORT", -U, postgres, -Fc, -f, "$TRASH/wide.dump", wide]
  verify_backup:
    - {id: fp-before, fingerprint: {connection: wide}}
  destroy:
    - {id: drop, destructive: true, run: [$PSQL, -d, postgres, -c, DROP DATABASE wide]}
  restore:
    - {id: create, run: [$PSQL, -d, postgres, -c, CREATE DATABASE wide]}
    - id: restore
      run: ["$PG_BIN/pg_restore", -h, "$PGHOST", -p, "$PGPORT", -U, postgres, -d, wide, "$TRASH/wide.dump"]
  verify_restore:
    - {id: fp-after, fingerprint: {connection: wide, same_as: fp-before}}
EOF
} >"$TRASH/wide.yaml"
expect_exit 0 "$RDRILL" run "$TRASH/wide.yaml" --confirm test --lang en -o "$TRASH/wide"
W=$TRASH/wide
expect_grep_F '110 tables' "$W/report.md"
# The report counts the identical tables and links every table's
# evidence, kept in the bundle; it does not list 110 identical rows.
expect_grep_F '110 of 110 tables and 110 of 110 sequences identical to step fp-before' "$W/report.md"
expect_grep_F '[steps/06-fp-after.tables.md](steps/06-fp-after.tables.md)' "$W/report.md"
expect_no_grep '^| public\.t[0-9]* |' "$W/report.md"
expect_true "the evidence file holds all 110 tables" test \
	"$(grep -c '^| public\.t[0-9]* | [0-9]* | `[0-9a-f]\{64\}` | `[0-9a-f]\{64\}` | identical |$' "$W/steps/06-fp-after.tables.md")" -eq 110
sed 's|</head>|<style>@page{size:A4}</style></head>|' "$W/report.html" >"$TRASH/w-a4.html"
expect_exit 0 to_pdf "$W/report.html" "$TRASH/w.letter.pdf"
expect_exit 0 to_pdf "$TRASH/w-a4.html" "$TRASH/w.A4.pdf"
for paper in letter A4; do
	pages=$(pages_of "$TRASH/w.$paper.pdf")
	echo "# 110 tables, $paper: $pages pages"
	expect_true "110 tables, $paper: at most $WIDE_MAX pages ($pages)" \
		test "$pages" -le "$WIDE_MAX"
	css=""
	[ "$paper" = A4 ] && css='@page{size:A4}'
	expect_true "110 tables, $paper: no word of a cell split" \
		prose_whole "$W/report.html" "$W/report.md" "$css"
done

# The split check can fail: a narrow cell that breaks anywhere.
{
	printf '<!DOCTYPE html><html><head><style>td{overflow-wrap:anywhere;border:1px solid}</style></head><body>'
	printf '<table style="width:6em"><tr><td>Measured</td><td>NOT DEMONSTRATED yet</td></tr></table></body></html>\n'
} >"$TRASH/split.html"
printf '| Measured | NOT DEMONSTRATED yet |\n' >"$TRASH/split.md"
expect_exit 0 to_pdf "$TRASH/split.html" "$TRASH/split.pdf"
if no_split_words "$TRASH/split.pdf" "$TRASH/split.md" 2>/dev/null; then
	fail "a word split inside a cell passed the split check"
else
	pass "a word split inside a cell fails the split check"
fi

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
