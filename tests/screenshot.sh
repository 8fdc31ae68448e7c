#!/bin/sh
# Look at a rendered report the way a reviewer will: headless Chromium
# takes a PNG of the screen layout, or with --pdf prints it (A4, print CSS).
#
#   sh tests/screenshot.sh report.html shot.png
#   sh tests/screenshot.sh --pdf report.html report.pdf
#   WINDOW=1200,4000 sh tests/screenshot.sh report.html tall.png
#
# Needs the Debian packages chromium and fonts-noto-cjk (Chinese reports
# show boxes without it); installed here when running as root.
set -u

usage() {
	echo "usage: sh tests/screenshot.sh [--pdf] IN.html OUT.(png|pdf)" >&2
	exit 2
}

mode=png
if [ "${1:-}" = --pdf ]; then
	mode=pdf
	shift
fi
[ $# -eq 2 ] || usage
in=$1
out=$2
[ -f "$in" ] || { echo "screenshot.sh: no such file: $in" >&2; exit 2; }

find_chromium() {
	for c in chromium chromium-browser google-chrome; do
		if command -v "$c" >/dev/null 2>&1; then
			command -v "$c"
			return 0
		fi
	done
	return 1
}

if ! chrome=$(find_chromium); then
	if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
		echo "screenshot.sh: installing chromium fonts-noto-cjk" >&2
		DEBIAN_FRONTEND=noninteractive apt-get install -y \
			chromium fonts-noto-cjk >&2 ||
			{ apt-get update >&2 &&
			  DEBIAN_FRONTEND=noninteractive apt-get install -y \
				chromium fonts-noto-cjk >&2; } ||
			{ echo "screenshot.sh: apt-get failed" >&2; exit 1; }
		chrome=$(find_chromium) ||
			{ echo "screenshot.sh: chromium not found" >&2; exit 1; }
	else
		echo "screenshot.sh: chromium not found; install it with" >&2
		echo "  sudo apt-get install chromium fonts-noto-cjk" >&2
		exit 1
	fi
fi

# Without a CJK font, Chinese reports come out as boxes.
if command -v fc-list >/dev/null 2>&1 && [ -z "$(fc-list :lang=zh)" ]; then
	if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
		DEBIAN_FRONTEND=noninteractive apt-get install -y \
			fonts-noto-cjk >&2 ||
			echo "screenshot.sh: warning: no CJK font" >&2
	else
		echo "screenshot.sh: warning: no CJK font;" \
			"sudo apt-get install fonts-noto-cjk" >&2
	fi
fi

# Chromium wants absolute paths for both the page and the output.
abs() {
	case $1 in
	/*) printf '%s\n' "$1" ;;
	*) printf '%s/%s\n' "$(pwd)" "$1" ;;
	esac
}
in_url=file://$(abs "$in" | sed 's/%/%25/g; s/ /%20/g; s/#/%23/g; s/?/%3F/g')
out_abs=$(abs "$out")

profile=$(mktemp -d "${TMPDIR:-/tmp}/rdrill-chromium.XXXXXX") || exit 1
trap 'rm -rf "$profile"' EXIT
trap 'exit 130' INT TERM

if [ "$mode" = pdf ]; then
	set -- "--print-to-pdf=$out_abs" --no-pdf-header-footer
else
	set -- "--screenshot=$out_abs" --hide-scrollbars
fi

rm -f "$out_abs"
# --no-sandbox: Chromium refuses to run as root with its sandbox. The rest
# keeps a throwaway profile quiet and off the network.
"$chrome" --headless --no-sandbox --disable-gpu --disable-quic \
	--no-first-run --disable-background-networking \
	--disable-component-update --disable-sync \
	--user-data-dir="$profile" --window-size="${WINDOW:-1200,2400}" \
	"$@" "$in_url" >"$profile/log" 2>&1
rc=$?
if [ "$rc" -ne 0 ] || [ ! -s "$out_abs" ]; then
	echo "screenshot.sh: chromium failed (exit $rc):" >&2
	tail -20 "$profile/log" >&2
	exit 1
fi
echo "$out"
