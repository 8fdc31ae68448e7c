#!/bin/sh
# make install / uninstall with PREFIX and DESTDIR: the binary under test
# (BIN=, so nothing is rebuilt) and the templates land where rdrill looks
# for them (<exe dir>/../share/rdrill/templates); the installed binary
# validates and plans with the installed templates from any directory;
# uninstall removes every file it installed.
. "$(dirname "$0")/lib.sh"
case $RDRILL in /*) ;; *) RDRILL=$(pwd)/$RDRILL ;; esac
D=$TRASH/d
# Not the suite's make: its variables (B=, SAN=, WERROR=) stay out.
mk() { env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
	make -C "$TOP" --no-print-directory "$@" DESTDIR="$D" PREFIX=/usr BIN="$RDRILL"; }
unset RDRILL_TEMPLATES

expect_exit 0 mk install
expect_no_grep '^cc \|^ar ' "$OUT"
expect_true "bin/rdrill is executable" test -x "$D/usr/bin/rdrill"
expect_same "$RDRILL" "$D/usr/bin/rdrill"
(cd "$TOP" && ls templates) >"$TRASH/want.txt"
for t in $(cat "$TRASH/want.txt"); do
	expect_same "$TOP/templates/$t" "$D/usr/share/rdrill/templates/$t"
done
# Exactly these files, nothing else anywhere under DESTDIR.
{
	echo usr/bin/rdrill
	sed 's#^#usr/share/rdrill/templates/#' "$TRASH/want.txt"
	if [ -f "$TOP/rdrill.1" ]; then echo usr/share/man/man1/rdrill.1; fi
} | LC_ALL=C sort >"$TRASH/want-files.txt"
(cd "$D" && find . ! -type d | sed 's#^\./##' | LC_ALL=C sort) >"$TRASH/files.txt"
expect_same "$TRASH/want-files.txt" "$TRASH/files.txt"

# From a directory with no templates/ near it, the installed binary.
mkdir "$TRASH/elsewhere"
cd "$TRASH/elsewhere"
expect_exit 0 "$D/usr/bin/rdrill" validate "$TOP/tests/drills/minimal.yaml"
expect_exit 0 "$D/usr/bin/rdrill" plan "$TOP/tests/drills/minimal.yaml" \
	--lang en -o "$TRASH/p1"
expect_grep '`PLANNED`' "$TRASH/p1/report.md"
# The report comes from the installed templates, not the checkout's.
MARK="installed-template-$$"
echo "$MARK" >>"$D/usr/share/rdrill/templates/report.en.md.mustache"
expect_exit 0 "$D/usr/bin/rdrill" plan "$TOP/tests/drills/minimal.yaml" \
	--lang en -o "$TRASH/p2"
expect_grep_F "$MARK" "$TRASH/p2/report.md"
expect_no_grep "$MARK" "$TOP/templates/report.en.md.mustache"
# Without them, plan fails and names where it looked.
mv "$D/usr/share/rdrill/templates" "$TRASH/templates.moved"
expect_exit 1 "$D/usr/bin/rdrill" plan "$TOP/tests/drills/minimal.yaml" \
	--lang en -o "$TRASH/p3"
expect_grep 'cannot read template' "$ERR"
mv "$TRASH/templates.moved" "$D/usr/share/rdrill/templates"

expect_exit 0 mk uninstall
expect_no_file "$D/usr/bin/rdrill"
expect_no_file "$D/usr/share/rdrill"
expect_true "nothing left but directories" \
	test -z "$(find "$D" ! -type d)"
test_done
