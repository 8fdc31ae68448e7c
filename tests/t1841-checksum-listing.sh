#!/bin/sh
# A checksum step's listing does not grow with the backup directory
# (issue 20, point 9): past 20 files the report shows the backup items'
# files and links the step's copy of the checksum file in the bundle
# (steps/NN-ID.sha256, what `sha256sum -c` reads, every file); verify
# re-hashes that copy; a directory of a few files is listed whole.
. "$(dirname "$0")/lib.sh"
W=$TRASH/w
mkdir -p "$W/many" "$W/few"
i=1
while [ $i -le 40 ]; do
	printf 'file %s\n' "$i" >"$W/many/part-$i.bin"
	i=$((i + 1))
done
printf 'the dump\n' >"$W/many/app.dump"
printf 'a\n' >"$W/few/one"
printf 'b\n' >"$W/few/two"

{ cat <<EOF
rdrill: 1
id: sums
title: Test drill sums
system: test
environment: test
objective: test
targets: {rto: 10m, rpo: 1h}
backup_set:
  - {id: db, title: database, tier: 1, kind: database, source: [db], artifact: "$W/many/app.dump"}
phases:
  verify_backup:
    - {id: many, checksum: {dir: "$W/many"}}
    - {id: few, checksum: {dir: "$W/few"}}
EOF
} >"$TRASH/sums.yaml"
expect_exit 0 "$RDRILL" run "$TRASH/sums.yaml" --lang en -o "$TRASH/b"
B=$TRASH/b
M=$B/report.md
C=$B/steps/01-many.sha256

expect_grep_F 'Step many hashed 41 files: the backup items' "$M"
expect_grep_F '[steps/01-many.sha256](steps/01-many.sha256)' "$M"
expect_grep_F "| app.dump | 9 | \`$(sha256sum "$W/many/app.dump" | cut -c1-64)\` |" "$M"
expect_no_grep '^| part-[0-9]*\.bin |' "$M"
# The few files are each a row, as before.
expect_grep '^| one | 2 | `[0-9a-f]\{64\}` |$' "$M"
expect_grep '^| two | 2 | `[0-9a-f]\{64\}` |$' "$M"
expect_file "$B/steps/02-few.sha256"

# The copy is every file's line, as sha256sum -c reads it in the directory.
expect_file "$C"
expect_true "the copy has 41 lines" test "$(wc -l <"$C")" -eq 41
expect_true "the copy equals the directory's SHA256SUMS" cmp -s "$C" "$W/many/SHA256SUMS"
expect_true "sha256sum -c accepts the copy in the directory" sh -c \
	"cd '$W/many' && sha256sum -c --strict --quiet '$C'"
expect_true "the record names the copy with its SHA-256" sh -c \
	"jq -r 'select(.id==\"many\") | .sums_copy.sha256' '$B/journal.jsonl' | grep -qx \"\$(sha256sum '$C' | cut -c1-64)\""
expect_exit 0 "$RDRILL" verify "$B"
cp -a "$B" "$TRASH/t"
sed -i '1s/^./0/' "$TRASH/t/steps/01-many.sha256"
expect_exit 1 "$RDRILL" verify "$TRASH/t"
expect_grep_F 'steps/01-many.sha256' "$OUT"

# In Chinese.
expect_exit 0 "$RDRILL" render "$B" --lang zh-CN
expect_grep_F '步骤 many 共计算了 41 个文件的哈希' "$B/report.zh-CN.md"
expect_no_grep 'hashed 41 files' "$B/report.zh-CN.md"
test_done
