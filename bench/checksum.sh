#!/bin/sh
# SHA-256 throughput of rdrill's checksum code against coreutils sha256sum,
# on the same files, page cache warm, best of 3 (see bench/README.md).
#
#   make && sh bench/checksum.sh          # from the repository root
#
# B=build-x uses another build directory's librdrill.a; BENCH_DIR puts the
# 2 GiB of test data elsewhere than $TMPDIR; RUNS changes "best of 3".
#
# The runner cannot run one checksum step by itself yet, so the rdrill side
# is bench/checksum-bench.c, compiled here against $B/librdrill.a: it calls
# checksum_files() (workers = online CPUs) as the checksum step does.
# Word splitting of $files and $PKGS is meant: the names are our own.
# shellcheck disable=SC2086,SC2046
set -eu

B=${B:-build}
RUNS=${RUNS:-3}
PKGS="libpq yaml-0.1 libcrypto jansson libcmark-gfm"

[ -f "$B/librdrill.a" ] || { echo "checksum.sh: no $B/librdrill.a; run make first" >&2; exit 2; }
command -v sha256sum >/dev/null || { echo "checksum.sh: sha256sum not found" >&2; exit 2; }

WORK=$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/rdrill-bench-checksum.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM

DRIVER=$WORK/checksum-bench
cc -std=c11 -O2 -Wall -Wextra -Werror -D_POSIX_C_SOURCE=200809L \
	-D_DEFAULT_SOURCE -Isrc $(pkg-config --cflags $PKGS) \
	-o "$DRIVER" bench/checksum-bench.c "$B/librdrill.a" \
	$(pkg-config --libs $PKGS) -lpthread

echo "creating test data in $WORK ..."
mkdir "$WORK/one" "$WORK/several"
head -c 1073741824 /dev/urandom >"$WORK/one/big.bin"
for i in 1 2 3 4 5 6 7 8; do
	head -c 134217728 /dev/urandom >"$WORK/several/part$i.bin"
done
# Warm the page cache: the bench measures hashing, not the disk.
cat "$WORK/one/big.bin" "$WORK"/several/*.bin >/dev/null

# best_of SECONDS...: the smallest.
best_of() { printf '%s\n' "$@" | sort -n | head -n 1; }

# bench LABEL DIR: time both tools on every file of DIR, print a line.
bench() {
	label=$1 dir=$2
	files=$(cd "$dir" && ls)
	bytes=$(cd "$dir" && cat $files | wc -c)
	# Same answer first, or the speed means nothing.
	(cd "$dir" && sha256sum $files) >"$WORK/coreutils.sums"
	"$DRIVER" hash "$dir" $files >"$WORK/rdrill.sums"
	cmp -s "$WORK/coreutils.sums" "$WORK/rdrill.sums" || {
		echo "checksum.sh: rdrill and sha256sum disagree on $label" >&2
		exit 1
	}
	c_times='' r_times=''
	n=0
	while [ "$n" -lt "$RUNS" ]; do
		c_times="$c_times $(cd "$dir" && "$DRIVER" time sha256sum $files)"
		r_times="$r_times $("$DRIVER" time "$DRIVER" hash "$dir" $files)"
		n=$((n + 1))
	done
	c=$(best_of $c_times)
	r=$(best_of $r_times)
	awk -v l="$label" -v b="$bytes" -v c="$c" -v r="$r" 'BEGIN {
		printf "%-13s %9.0f MB/s %9.0f MB/s %7.2fx   (%.3f s vs %.3f s)\n",
		       l, b / c / 1e6, b / r / 1e6, c / r, c, r }'
}

echo "machine: $(nproc) online CPUs, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')$(grep -q sha_ni /proc/cpuinfo && echo ', SHA-NI')"
echo "$(sha256sum --version | head -n 1); $(openssl version 2>/dev/null || echo 'OpenSSL ?')"
echo "best of $RUNS, page cache warm, MB = 10^6 bytes"
printf '%-13s %14s %14s %8s\n' "" "sha256sum" "rdrill" "ratio"
bench "one file" "$WORK/one"
bench "several files" "$WORK/several"
