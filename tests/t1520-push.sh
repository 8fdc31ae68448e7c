#!/bin/sh
# run --push and history --push against Debian's prometheus-pushgateway
# started here on loopback: the metrics are in the Pushgateway's own
# /metrics, grouped by drill, environment and host; with the Pushgateway
# down a run still exits 0 (a warning). deploy/prometheus/rdrill-alerts.yml
# passes `promtool check rules`, and `promtool test rules` fed with what
# the Pushgateway served sees every alert fire for a failing run and
# none for a passing one.
. "$(dirname "$0")/lib.sh"

RULES=$TOP/deploy/prometheus/rdrill-alerts.yml
HOST=$(hostname)

pgw_start() {
	_try=0
	while [ "$_try" -lt 20 ]; do
		PGW_PORT=$((20000 + ($$ * 11 + _try * 173) % 30000))
		prometheus-pushgateway --web.listen-address="127.0.0.1:$PGW_PORT" \
			>"$TRASH/pgw.log" 2>&1 &
		PGW_PID=$!
		_i=0
		while [ "$_i" -lt 100 ] && kill -0 "$PGW_PID" 2>/dev/null; do
			if curl -fsS "http://127.0.0.1:$PGW_PORT/-/ready" >/dev/null 2>&1; then
				at_exit "kill $PGW_PID"
				return 0
			fi
			sleep 0.1
			_i=$((_i + 1))
		done
		kill "$PGW_PID" 2>/dev/null
		wait "$PGW_PID" 2>/dev/null
		_try=$((_try + 1))
	done
	cat "$TRASH/pgw.log"
	return 1
}

pgw_start || fail "pushgateway started"
URL=http://127.0.0.1:$PGW_PORT

for v in ok:true bad:false; do
	name=${v%%:*}
	{ drill_head "push-$name" test
	cat <<YAML
phases:
  verify_backup:
    - {id: one, run: ["${v#*:}"]}
YAML
	} >"$TRASH/$name.yaml"
	mkdir -p "$TRASH/runs-$name"
done
# A drill that destroys and does not restore: NOT RESTORED.
{ drill_head push-nr test
cat <<YAML
phases:
  verify_backup:
    - {id: ok, run: ["true"]}
  destroy:
    - {id: wipe, run: ["true"]}
  restore:
    - {id: back, run: ["false"]}
YAML
} >"$TRASH/nr.yaml"
mkdir -p "$TRASH/runs-nr"
expect_exit 0 "$RDRILL" run "$TRASH/ok.yaml" -o "$TRASH/runs-ok/r1" --push "$URL/"
expect_no_grep 'warning' "$ERR"
expect_exit 1 "$RDRILL" run "$TRASH/bad.yaml" -o "$TRASH/runs-bad/r1" --push "$URL"
expect_no_grep 'warning' "$ERR"
expect_exit 1 "$RDRILL" run "$TRASH/nr.yaml" -o "$TRASH/runs-nr/r1" --confirm test --push "$URL"
expect_grep 'NOT RESTORED' "$OUT"
curl -fsS "$URL/metrics" >"$TRASH/metrics" || fail "GET /metrics"
G_OK="drill=\"push-ok\",environment=\"test\",host=\"$HOST\",instance=\"\",job=\"rdrill\""
G_BAD="drill=\"push-bad\",environment=\"test\",host=\"$HOST\",instance=\"\",job=\"rdrill\""
G_NR="drill=\"push-nr\",environment=\"test\",host=\"$HOST\",instance=\"\",job=\"rdrill\""
expect_grep_F "rdrill_last_run_status{$G_OK,status=\"PASSED\"} 1" "$TRASH/metrics"
expect_grep_F "rdrill_last_run_status{$G_BAD,status=\"FAILED\"} 1" "$TRASH/metrics"
expect_grep_F "rdrill_last_run_verified{$G_OK} 1" "$TRASH/metrics"
expect_grep_F "rdrill_not_restored{$G_NR} 1" "$TRASH/metrics"
expect_grep_F "rdrill_not_restored{$G_OK} 0" "$TRASH/metrics"
expect_grep_F "rdrill_last_run_status{$G_NR,status=\"NOT RESTORED\"} 1" "$TRASH/metrics"
expect_grep_F "rdrill_overdue{$G_OK} 0" "$TRASH/metrics"
expect_grep_F "rdrill_overdue{$G_BAD} 1" "$TRASH/metrics"
expect_grep_F "rdrill_last_success_timestamp_seconds{$G_BAD} 0" "$TRASH/metrics"
expect_grep_F "rdrill_cadence_seconds{$G_OK} 7.9488e+06" "$TRASH/metrics"
expect_grep "^push_time_seconds{$G_OK}" "$TRASH/metrics"
# The metric names are --prom's (history), plus the run's own three.
"$RDRILL" history "$TRASH/runs-ok" --prom "$TRASH/prom.txt" >/dev/null
names=$(awk '!/^#/ { sub(/\{.*/, "", $1); print $1 }' "$TRASH/prom.txt" | sort -u)
expect_true "--prom wrote metrics" test -n "$names"
for m in $names; do
	expect_grep "^$m{$G_OK}" "$TRASH/metrics"
done

# A failed run after a pass: the pass's time stays, the status is FAILED.
sed 's/run: \["true"\]/run: ["false"]/' "$TRASH/ok.yaml" >"$TRASH/ok-fails.yaml"
pass_ts=$(grep "^rdrill_last_success_timestamp_seconds{$G_OK}" "$TRASH/metrics" | cut -d' ' -f2)
expect_exit 1 "$RDRILL" run "$TRASH/ok-fails.yaml" -o "$TRASH/runs-ok/r2" --push "$URL"
curl -fsS "$URL/metrics" >"$TRASH/metrics2"
expect_grep_F "rdrill_last_run_status{$G_OK,status=\"FAILED\"} 1" "$TRASH/metrics2"
expect_grep_F "rdrill_last_success_timestamp_seconds{$G_OK} $pass_ts" "$TRASH/metrics2"

# history --push: every drill of the history.
# (exit 4: push-bad never passed, so it is overdue.)
expect_exit 4 "$RDRILL" history "$TRASH/runs-bad" -o "$TRASH/runs-bad" --push "$URL"
expect_no_grep 'warning' "$ERR"

# history --push over a collected tree: the host label is the runner.
expect_exit 0 "$RDRILL" ship "$TRASH/runs-ok/r1" "$TRASH/central" --runner runner-x
expect_exit 0 "$RDRILL" history "$TRASH/central" -o "$TRASH/central" --push "$URL"
curl -fsS "$URL/metrics" >"$TRASH/metrics3"
expect_grep_F "rdrill_last_run_status{drill=\"push-ok\",environment=\"test\",host=\"runner-x\",instance=\"\",job=\"rdrill\",status=\"PASSED\"} 1" "$TRASH/metrics3"

# --- promtool: the rules, fed with what the Pushgateway served --------
expect_exit 0 promtool check rules "$RULES"
I=1000000
now=$(date +%s)
NEAR=$(( (now + 3600 + I - 1) / I * I ))
FAR=$(( NEAR + 17 * I ))
N=$(( FAR / I + 1 ))
# series GROUP_LABELS METRICS: input_series of that group.
series() {
	grep -F "{$1" "$2" | grep -E '^(rdrill_[a-z_]*|push_time_seconds)\{' |
		awk -v n="$N" '{
			v = sprintf("%.3f", $NF); s = $0; sub(/ [^ ]*$/, "", s)
			printf "      - series: %c%s%c\n        values: %c%s+0x%d%c\n", 39, s, 39, 39, v, n, 39
		}'
}
# alert NAME LABELS SUMMARY: one expected alert.
alert() {
	printf '          - exp_labels: {%s}\n            exp_annotations: {summary: "%s"}\n' "$2" "$3"
}
lab() { printf 'drill: push-%s, environment: test, host: "%s", job: rdrill' "$1" "$HOST"; }
sum() { printf 'restore drill push-%s (test) on %s: %s' "$1" "$HOST" "$2"; }
# failing NAME GROUP ALERT LABELS SUMMARY OTHER: a failing run's series
# (drill push-NAME): ALERT fires with LABELS at once, OTHER does not;
# OVERDUE at once (it never passed); MISSING and the quiet Pushgateway
# only once two cadences have passed without a push.
failing() {
	L=$(lab "$1")
	cat <<T
  - interval: ${I}s
    input_series:
$(series "$2" "$TRASH/metrics")
    alert_rule_test:
      - eval_time: ${NEAR}s
        alertname: $3
        exp_alerts:
$(alert "$3" "$L, $4" "$(sum "$1" "$5")")
      - eval_time: ${NEAR}s
        alertname: $6
        exp_alerts: []
      - eval_time: ${NEAR}s
        alertname: RdrillDrillOverdue
        exp_alerts:
$(alert x "$L, severity: warning" "$(sum "$1" OVERDUE)")
      - eval_time: ${NEAR}s
        alertname: RdrillDrillMissing
        exp_alerts: []
      - eval_time: ${FAR}s
        alertname: RdrillDrillMissing
        exp_alerts:
$(alert x "$L, severity: warning" "$(sum "$1" MISSING)")
      - eval_time: ${NEAR}s
        alertname: RdrillPushgatewayQuiet
        exp_alerts: []
      - eval_time: ${FAR}s
        alertname: RdrillPushgatewayQuiet
        exp_alerts:
$(alert x "severity: warning" "no rdrill metrics arriving at the Pushgateway")
T
}
{
	printf 'rule_files: [%s]\nevaluation_interval: %ss\ntests:\n' "$RULES" "$I"
	failing bad "$G_BAD" RdrillDrillFailed \
		'severity: critical, status: "FAILED"' FAILED RdrillNotRestored
	failing nr "$G_NR" RdrillNotRestored 'severity: critical' \
		"NOT RESTORED" RdrillDrillFailed
	cat <<T
  - interval: ${I}s
    input_series:
$(series "$G_OK" "$TRASH/metrics")
    alert_rule_test:
T
	for a in RdrillDrillFailed RdrillNotRestored RdrillDrillOverdue RdrillDrillMissing RdrillPushgatewayQuiet; do
		printf '      - eval_time: %ss\n        alertname: %s\n        exp_alerts: []\n' "$NEAR" "$a"
	done
} >"$TRASH/rules-test.yml"
expect_exit 0 promtool test rules "$TRASH/rules-test.yml"
[ -s "$ERR" ] && cat "$OUT" | head -40
# The test can fail: expecting the passing run to alert must fail.
sed 's/exp_alerts: \[\]/exp_alerts: [{exp_labels: {x: y}}]/' "$TRASH/rules-test.yml" >"$TRASH/rules-wrong.yml"
expect_exit 1 promtool test rules "$TRASH/rules-wrong.yml"

# --- the Pushgateway down: a warning, the exit code unchanged ---------
kill "$PGW_PID"
wait "$PGW_PID" 2>/dev/null
expect_exit 0 "$RDRILL" run "$TRASH/ok.yaml" -o "$TRASH/runs-ok/r3" --push "$URL"
expect_grep 'rdrill: warning: push to http://127.0.0.1:[0-9]* failed' "$ERR"
expect_grep 'PASSED' "$OUT"
expect_exit 1 "$RDRILL" run "$TRASH/bad.yaml" -o "$TRASH/runs-bad/r2" --push "http://u:pw@127.0.0.1:$PGW_PORT"
expect_no_grep 'pw@' "$ERR"

test_done
