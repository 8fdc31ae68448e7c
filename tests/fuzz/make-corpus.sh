#!/bin/sh
# Remake the seed corpora of tests/fuzz/corpus/ from real tools: a
# throwaway PostgreSQL cluster (tests/lib.sh) dumped by the real pg_dump
# (-Fc, three compressions, one cut short) and listed by pg_restore -l,
# real bundles of `rdrill run` (the demo drill, signed, and a small
# drill) for the journal and verify targets, the drills of tests/ and
# drills/, the report templates and the Mustache spec. Run once by hand
# (`sh tests/fuzz/make-corpus.sh` after `make`); the outputs are
# committed, kept small. The hand-written seeds (hostile strings, crash
# reproducers) are not touched.
top=$(cd "$(dirname "$0")/../.." && pwd)
RDRILL=${RDRILL:-$top/build/rdrill}
. "$top/tests/lib.sh"
TOP=$top
C=$TOP/tests/fuzz/corpus
mkdir -p "$C/drill" "$C/mustache" "$C/markdown" "$C/toc-archive" \
	"$C/toc-listing" "$C/journal" "$C/verify"

# --- drills
for f in "$TOP"/tests/drills/*.yaml "$TOP"/tests/drills/bad/*.yaml \
	"$TOP"/drills/*.yaml; do
	case $f in *'*'*) continue ;; esac
	cp "$f" "$C/drill/$(basename "$(dirname "$f")")-$(basename "$f")"
done

# --- Mustache: the templates with an empty view, the spec's tests as
# template NUL data.
for f in "$TOP"/templates/*.mustache; do
	cp "$f" "$C/mustache/tmpl-$(basename "$f" .mustache)"
done
for f in "$TOP"/tests/data/mustache-spec/*.json; do
	jq -r --arg b "$(basename "$f" .json)" '.tests | to_entries[] |
		"\($b)-\(.key)\t\(.value.template | @base64)\t\(.value.data | tojson | @base64)"' "$f" |
	while IFS="$(printf '\t')" read -r name t d; do
		{ printf '%s' "$t" | base64 -d; printf '\0'; printf '%s' "$d" | base64 -d; } \
			>"$C/mustache/spec-$name"
	done
done

# --- archives and listings
pg_start || { fail "pg_start"; test_done; }
createdb app
psql -X -q -v ON_ERROR_STOP=1 -d app <<'SQL'
CREATE TABLE users (id serial PRIMARY KEY, name text NOT NULL UNIQUE);
CREATE TABLE posts (id bigserial PRIMARY KEY,
	user_id int NOT NULL REFERENCES users(id), body text);
CREATE INDEX posts_user ON posts(user_id);
CREATE SEQUENCE ticket_seq;
CREATE VIEW busy AS SELECT user_id, count(*) FROM posts GROUP BY 1;
COMMENT ON TABLE posts IS 'posts; with "quotes" and ünïcode';
CREATE SCHEMA "odd name";
CREATE TABLE "odd name"."t 1" (x int);
INSERT INTO users(name) SELECT 'user' || g FROM generate_series(1, 5) g;
INSERT INTO posts(user_id, body) SELECT 1 + g % 5, 'b' || g
	FROM generate_series(1, 20) g;
SQL
pg_dump -Fc -Z0 -f "$C/toc-archive/none.dump" app
pg_dump -Fc -f "$C/toc-archive/gzip.dump" app
pg_dump -Fc --compress=lz4 -f "$C/toc-archive/lz4.dump" app 2>/dev/null ||
	rm -f "$C/toc-archive/lz4.dump"
pg_dump -Fc -Z0 app | cat >"$C/toc-archive/pipe.dump"
pg_dump -Fc -Z0 --schema-only -f "$C/toc-archive/schema-only.dump" app
size=$(wc -c <"$C/toc-archive/none.dump")
head -c $((size - 300)) "$C/toc-archive/none.dump" >"$C/toc-archive/cut.dump"
for f in "$C"/toc-archive/*.dump; do
	pg_restore -l "$f" >"$C/toc-listing/$(basename "$f" .dump).list"
done

# --- bundles: `tail -n +1` prints "==> NAME <==" before each file,
# which is the verify target's input format.
bundle_txt() {
	(cd "$1" && find . -type f | sed 's|^\./||' | sort |
		while read -r f; do printf '==> %s <==\n' "$f"; cat "$f"; done)
}
{ drill_head small test
cat <<YAML
phases:
  verify_backup:
    - id: hello
      shell: 'echo hello; echo "ERROR:  not really" >&2'
      allow_stderr_errors: true
    - id: toc
      toc: {dump: "$C/toc-archive/none.dump"}
YAML
} >"$TRASH/small.yaml"
"$RDRILL" run "$TRASH/small.yaml" -o "$TRASH/small" >/dev/null 2>&1
cp "$TRASH/small/journal.jsonl" "$C/journal/small.jsonl"
bundle_txt "$TRASH/small" >"$C/verify/small.txt"
"$RDRILL" plan "$TRASH/small.yaml" -o "$TRASH/plan" >/dev/null 2>&1 &&
	cp "$TRASH/plan/journal.jsonl" "$C/journal/plan.jsonl"
RDRILL=$RDRILL sh "$TOP/drills/demo.sh" -o "$TRASH/demo" >/dev/null 2>&1
cp "$TRASH/demo/journal.jsonl" "$C/journal/demo.jsonl"
bundle_txt "$TRASH/demo" >"$C/verify/demo.txt"
ls -l "$C"/toc-archive "$C"/journal "$C"/verify
