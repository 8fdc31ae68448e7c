#!/bin/sh
# What redaction costs while a step's output streams into its log: one
# shell step prints BYTES (256 MiB) of text full of bytes a secret's
# match may start with ('%', '\', the secret's first letter) and the
# secret itself once a line, captured by rdrill with the secret declared
# (secret_env), by rdrill with no secret declared, and written to a file
# by plain sh.
#
#   sh bench/redact.sh          # from the repository root
#
# B, RDRILL, RUNS, BENCH_DIR as in bench/lib.sh; BYTES changes the size.
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

BYTES=${BYTES:-268435456}
SECRET="s3cr3t-$$"
LINE="abc%def\\\\ghi s3 some text with $SECRET in it and 100% more"
CMD="yes '$LINE' | head -c $BYTES"

drill() {
	cat <<EOF
rdrill: 1
id: bench-redact
title: redaction benchmark
system: bench
environment: bench
objective: the cost of redacting a streamed log
targets: {rto: 1h, rpo: 1h}
backup_set:
  - {id: out, title: output, tier: 3, kind: files, source: [stdout], artifact: x}
phases:
  backup:
    - id: print
      shell: "$CMD"
$1
EOF
}
drill "      secret_env: {PW: BENCH_SECRET}" >"$WORK/secret.yaml"
drill "" >"$WORK/plain.yaml"
export BENCH_SECRET="$SECRET"

# timed CMD...: best-of wall time in T (s).
timed() {
	T=""
	_n=0
	while [ "$_n" -lt "$RUNS" ]; do
		_n=$((_n + 1))
		rm -rf "$WORK/b"
		_t0=$(now_ns)
		"$@" >"$WORK/last.log" 2>&1 || { cat "$WORK/last.log" >&2; bench_die "exit $?: $*"; }
		_t1=$(now_ns)
		T="$T $(secs "$_t0" "$_t1")"
	done
	T=$(best_of "$T")
}

printf 'redact: one step prints %s bytes of: %s\n' "$BYTES" "$LINE"
machine
timed "$RDRILL" run "$WORK/secret.yaml" -o "$WORK/b"
t_secret=$T
n=$(grep -c 'REDACTED' "$WORK/b/steps/01-print.out" || true)
if grep -qF "$SECRET" "$WORK/b/steps/01-print.out"; then
	bench_die "the secret is in the log: redaction did not happen"
fi
timed "$RDRILL" run "$WORK/plain.yaml" -o "$WORK/b"
t_plain=$T
timed sh -c "$CMD > '$WORK/plain.out'"
t_sh=$T
printf '%-44s %8s s\n' "rdrill, secret declared ($n lines redacted)" "$t_secret" \
	"rdrill, no secret" "$t_plain" "sh -c '... > file'" "$t_sh"
echo "ratio secret / no secret: $(ratio "$t_secret" "$t_plain")x;" \
	"rdrill with a secret / sh: $(ratio "$t_secret" "$t_sh")x"
