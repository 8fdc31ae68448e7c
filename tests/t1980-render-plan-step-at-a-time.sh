#!/bin/sh
# Render and verify read a plan named by its hash (plan.json, over 256
# KiB) a step at a time (issue 25, point 2: planread.h), never parsed
# whole. The checks stay as strict as the whole parse's: a plan.json
# whose SHA-256 the journal names (the chain re-linked, as a forger
# would) but that is not the canonical dump of its plan differs; one
# whose body is not the plan hash's fails the plan hash; one with a
# duplicate key is refused with the whole parse's message; and a run
# that left its system destroyed still lists its restore steps as
# pasteable commands (they read each step's JSON: the plan is read whole
# again for them), secrets by name.
. "$(dirname "$0")/lib.sh"
command -v perl >/dev/null || { echo "perl is needed" >&2; exit 1; }

export T1980_SECRET=not-a-real-secret
big_plan_drill big >"$TRASH/big.yaml" <<'EOF'
    - id: r1
      run: ["false"]
      cwd: /tmp
      secret_env: {PGPASSWORD: T1980_SECRET}
    - {id: r2, shell: "echo restored"}
EOF
expect_exit 1 "$RDRILL" run "$TRASH/big.yaml" --confirm test -o "$TRASH/big"
grep -q '"plan_file"' "$TRASH/big/journal.jsonl"
expect_true "the plan is named by its hash" test $? -eq 0

# NOT RESTORED: the restore steps as commands to paste, secrets by name.
expect_grep 'NOT RESTORED' "$TRASH/big/report.md"
expect_grep_F '(r1, restore, failed): `cd /tmp && PGPASSWORD="$T1980_SECRET" false`' \
	"$TRASH/big/report.md"
expect_no_grep 'not-a-real-secret' "$TRASH/big/report.md"
# Cut short and rendered again: the same report.
cp "$TRASH/big/report.md" "$TRASH/report.md.run"
rm -f "$TRASH/big/report.md" "$TRASH/big/report.html" "$TRASH/big/SEAL" \
	"$TRASH/big/SHA256SUMS" "$TRASH/big/seal.tsq"
"$RDRILL" render "$TRASH/big" >"$OUT" 2>"$ERR"
expect_true "render of the cut-short bundle writes the report" \
	test -s "$TRASH/big/report.md"
expect_true "the same report.md as the run's" \
	cmp -s "$TRASH/report.md.run" "$TRASH/big/report.md"
want=$(sed -n 's/^  "plan_hash": "\([0-9a-f]*\)",$/\1/p' "$TRASH/big/plan.json")
expect_exit 0 "$RDRILL" verify "$TRASH/big"
expect_grep "^OK      plan.json: the journal's plan, plan hash $want\$" "$OUT"

# forge FILTER: plan.json run through the perl FILTER (on its text, in
# $_), its new SHA-256 put in the start record and the chain re-linked.
forge() {
	forge_plan_json "$TRASH/big" "$TRASH/f" "$1"
}

# The same plan, not laid out as a run writes it.
forge 's/\n */ /g'
expect_exit 1 "$RDRILL" verify "$TRASH/f"
expect_grep '^FAILED  plan.json: differs from the plan in journal.jsonl record 1$' "$OUT"
expect_no_grep "plan.json: the journal's plan" "$OUT"
# Keys out of order, one space each as a run writes them.
forge 's/("created": "[^"]*",\n)(  "drill_file": \{[^}]*\},\n)/$2$1/'
expect_exit 1 "$RDRILL" verify "$TRASH/f"
expect_grep '^FAILED  plan.json: differs from the plan in journal.jsonl record 1$' "$OUT"

# Laid out as a run writes it, a step's title changed: not the plan hash.
forge 's/"step 7, titled/"step 8, titled/'
expect_exit 1 "$RDRILL" verify "$TRASH/f"
expect_grep '^FAILED  journal.jsonl:1: plan_hash is not the SHA-256 of the plan body$' "$OUT"
expect_no_grep 'plan.json: differs' "$OUT"

# A duplicate key: the whole parse's refusal, with its message.
forge 's/\n  "format": /\n  "format": "x",\n  "format": /'
expect_exit 1 "$RDRILL" verify "$TRASH/f"
cat "$OUT" "$ERR" >"$TRASH/all"
expect_grep 'plan.json: duplicate object key near' "$TRASH/all"
# A step the binder refuses: the whole parse's drill, and its message.
forge 's/"phase": "backup"/"phase": "nowhen"/'
"$RDRILL" render "$TRASH/f" >"$OUT" 2>"$ERR"
cat "$OUT" "$ERR" >"$TRASH/all"
expect_grep "steps\\[1\\]: 'phase' is not a phase" "$TRASH/all"

test_done
