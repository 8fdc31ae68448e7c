#!/bin/sh
# Physical backups as they come (issue 26): a tar-format pg_basebackup,
# plain and compressed (gzip, lz4, zstd), is unpacked into a private directory,
# verified there by pg_verifybackup (which reads only plain format: one
# clear line says so) and recovered: PASSED. The unpacked copy is
# removed at the run's end.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pitr-lib.sh"

PITR_KEEP_RUNNING=1
pitr_setup || { fail "fixture"; test_done; }
export TMPDIR=$TRASH/tmp
mkdir -p "$TMPDIR"
for fmt in tar gzip lz4 zstd; do
	tb=$TRASH/bk/tar-$fmt
	case $fmt in
	tar) z= ;;
	gzip) z=--gzip ;;
	*) z=--compress=$fmt ;;
	esac
	as_pg "$PG_BIN/pg_basebackup" -h "$PSOCK" -U postgres -D "$tb" -F tar \
		-X none -c fast $z >/dev/null 2>&1
	expect_true "pg_basebackup -F tar ($fmt) wrote base.tar*" sh -c "ls '$tb'/base.tar* >/dev/null"
	pitr_drill "$TRASH/$fmt.yaml" 'target_latest: true'
	sed -i "s|dir: \"$BASE\"|dir: \"$tb\"|; s/expect_value: \"0\"/expect_value: \"100\"/" "$TRASH/$fmt.yaml"
	expect_exit 0 "$RDRILL" run "$TRASH/$fmt.yaml" -o "$TRASH/$fmt"
	J=$TRASH/$fmt/journal.jsonl
	expect_true "$fmt: unpacked, one clear line, pg_verifybackup passed there" \
		jq -s -e 'first(.[] | select(.id == "base")) | (.checks | any(.what | startswith("tar-format backup unpacked"))) and (.checks | any((.what | startswith("pg_verifybackup")) and .ok)) and .evidence.format != null' "$J"
	expect_true "$fmt: recovered and PASSED" \
		jq -s -e 'map(select(.type == "end"))[0].status == "PASSED"' "$J"
	expect_true "$fmt: the unpacked copy is gone" \
		sh -c "! ls -d '$TMPDIR'/rdrill-base.* 2>/dev/null"
done
test_done
