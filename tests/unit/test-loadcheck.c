/*
 * The drill loader's rules beyond types (schema.check of connections,
 * backup items, freshness checks, ssh hosts, files and in_effect; each
 * step kind's check; the loader's own step rules) and the binding of a
 * plan body's steps. The rules read the object bound into its C struct
 * (drill.h: struct drill_step_check for a kind's); these cases pin that
 * each refuses what it refused when it read the JSON, at the same
 * file:line:col and in the same order, and that what a kind decides
 * (destructive, the command shown) reaches the plan body. The expected
 * texts were taken from rdrill before the rules were typed, and this
 * file builds against either.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "drill.h"
#include "error.h"
#include "step.h"

static char tmpdir[] = "/tmp/rdrill-test-loadcheck.XXXXXX";
static char path[256];

#define HEAD "rdrill: 1\nid: t\ntitle: T\nsystem: s\nenvironment: test\n" \
	"objective: o\n"

/* The drill HEAD + `text` loaded, or NULL with err set. */
static struct drill *load(const char *text, struct error *err)
{
	struct drill_opts o = { NULL, 1768953600 }; /* 2026-01-21 */
	FILE *f;

	snprintf(path, sizeof(path), "%s/d.yaml", tmpdir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(HEAD, f);
	fputs(text, f);
	fclose(f);
	return drill_load(path, &o, err);
}

/* What most cases begin with after HEAD: one backup_set item. */
#define BACKUP_SET \
	"backup_set:\n" \
	"  - {id: db, title: d, tier: 1, kind: database, source: [x], " \
	"artifact: y}\n"

/* Then connections c and s, and the verify_backup phase's steps. */
#define CONNS_PHASES BACKUP_SET \
	"connections:\n" \
	"  c: {dbname: x}\n" \
	"  s: {dbname: x, host: /tmp/s}\n" \
	"phases:\n" \
	"  verify_backup:\n"

/* The recover cases': a pgbackrest and a basebackup step, then step r. */
#define PITR_HEAD CONNS_PHASES \
	"    - id: st\n" \
	"      pgbackrest: {stanza: prod}\n" \
	"    - id: bb\n" \
	"      basebackup: {dir: /b, wal_archive: /w}\n" \
	"  restore:\n" \
	"    - id: r\n"

/* A case: the file after HEAD, and its errors ("line:col: what") in order. */
struct load_case {
	const char *name, *text;
	const char *errs[8];
};

static const struct load_case load_cases[] = {
	{ "rec-both",
	  PITR_HEAD
	  "      recover: {backup: bb, pgbackrest: st, scratch: /s, "
	  "connection: s, target_latest: true}\n",
	  { "20:16: a recover step needs exactly one of backup (a basebackup "
	    "step) and pgbackrest (a pgbackrest step)",
	    NULL } },
	{ "rec-none",
	  PITR_HEAD
	  "      recover: {scratch: /s, connection: s, target_latest: true}\n",
	  { "20:16: a recover step needs exactly one of backup (a basebackup "
	    "step) and pgbackrest (a pgbackrest step)",
	    NULL } },
	{ "rec-notarget",
	  PITR_HEAD
	  "      recover: {pgbackrest: st, scratch: /s, connection: s}\n",
	  { "20:16: a recover step needs exactly one of target_time, "
	    "target_time_file, target_lsn, target_name, target_xid, "
	    "target_immediate: true, target_latest: true",
	    NULL } },
	{ "rec-twotargets",
	  PITR_HEAD
	  "      recover: {pgbackrest: st, scratch: /s, connection: s, "
	  "target_latest: true, target_lsn: 0/1}\n",
	  { "20:16: a recover step needs exactly one of target_time, "
	    "target_time_file, target_lsn, target_name, target_xid, "
	    "target_immediate: true, target_latest: true",
	    NULL } },
	{ "rec-lsn",
	  PITR_HEAD
	  "      recover: {pgbackrest: st, scratch: /s, connection: s, "
	  "target_lsn: zz}\n",
	  { "20:73: target_lsn is not an LSN like 0/3000148",
	    NULL } },
	{ "rec-xid",
	  PITR_HEAD
	  "      recover: {pgbackrest: st, scratch: /s, connection: s, "
	  "target_xid: 12a}\n",
	  { "20:73: target_xid is not a transaction id (digits)",
	    NULL } },
	{ "rec-xid-long",
	  PITR_HEAD
	  "      recover: {pgbackrest: st, scratch: /s, connection: s, "
	  "target_xid: \"12345678901\"}\n",
	  { "20:73: target_xid is not a transaction id (digits)",
	    NULL } },
	{ "rec-time",
	  PITR_HEAD
	  "      recover: {pgbackrest: st, scratch: /s, connection: s, "
	  "target_time: \"2026-01-21 09:55:00\"}\n",
	  { "20:74: target_time '2026-01-21 09:55:00': give it as YYYY-MM-DD "
	    "HH:MM:SS[.frac] with a zone (+00, UTC, Z); without one the "
	    "server reads it in its own TimeZone",
	    NULL } },
	{ "rec-disaster",
	  PITR_HEAD
	  "      recover: {pgbackrest: st, scratch: /s, connection: s, "
	  "target_latest: true, disaster_time: \"2026-01-21 09:55:00+00\", "
	  "disaster_time_file: /f}\n",
	  { "20:16: give disaster_time or disaster_time_file, not both",
	    NULL } },
	{ "rec-setting-name",
	  PITR_HEAD
	  "      recover: {pgbackrest: st, scratch: /s, connection: s, "
	  "target_latest: true, settings: {work_mem: 1MB, Bad: x}}\n",
	  { "20:92: 'Bad' is not a server setting name",
	    NULL } },
	{ "rec-setting-owned",
	  PITR_HEAD
	  "      recover: {pgbackrest: st, scratch: /s, connection: s, "
	  "target_latest: true, settings: {work_mem: 1MB, port: \"5\"}}\n",
	  { "20:92: 'port' is written by rdrill itself",
	    NULL } },
	{ "rec-delta-backup",
	  PITR_HEAD
	  "      recover: {backup: bb, scratch: /s, connection: s, "
	  "target_latest: true, delta: true}\n",
	  { "20:85: delta: true is pgBackRest's delta restore into a kept "
	    "scratch directory: it needs pgbackrest and not in_place",
	    NULL } },
	{ "rec-delta-inplace",
	  PITR_HEAD
	  "      recover: {pgbackrest: st, scratch: /s, connection: s, "
	  "target_latest: true, delta: true, in_place: true}\n",
	  { "20:89: delta: true is pgBackRest's delta restore into a kept "
	    "scratch directory: it needs pgbackrest and not in_place",
	    NULL } },
	{ "rec-inplace-false",
	  PITR_HEAD
	  "      destructive: false\n"
	  "      recover: {pgbackrest: st, scratch: /s, connection: s, "
	  "target_latest: true, in_place: true}\n",
	  { "20:20: an in-place recovery replaces a data directory: it is "
	    "destructive (remove 'destructive: false')",
	    NULL } },
	{ "fp-maydiffer-empty",
	  CONNS_PHASES
	  "    - id: x\n"
	  "      fingerprint: {connection: c, may_differ: {}}\n",
	  { "15:48: 'may_differ' needs 'same_as': the step it is compared "
	    "with",
	    NULL } },
	{ "fp-maydiffer",
	  CONNS_PHASES
	  "    - id: x\n"
	  "      fingerprint: {connection: c, may_differ: {t: why}}\n",
	  { "15:48: 'may_differ' needs 'same_as': the step it is compared "
	    "with",
	    NULL } },
	{ "fp-destructive",
	  CONNS_PHASES
	  "    - id: v\n"
	  "      run: [ls]\n"
	  "  restore:\n"
	  "    - id: x\n"
	  "      destructive: true\n"
	  "      fingerprint: {connection: c}\n",
	  { "18:20: a fingerprint only reads: it is not destructive",
	    NULL } },
	{ "can-nocanary",
	  CONNS_PHASES
	  "    - id: x\n"
	  "      canary: record\n",
	  { "15:15: a canary step needs a top-level 'canary:' naming its "
	    "table and row",
	    NULL } },
	{ "can-delete",
	  BACKUP_SET
	  "connections:\n"
	  "  c: {dbname: x}\n"
	  "  s: {dbname: x, host: /tmp/s}\n"
	  "canary: {connection: c, table: t, key: {id: \"1\"}, columns: "
	  "[a]}\n"
	  "phases:\n"
	  "  verify_backup:\n"
	  "    - id: x\n"
	  "      canary: delete\n",
	  { "16:15: 'canary: delete' deletes a row: put it in the destroy "
	    "phase",
	    NULL } },
	{ "can-delete-restore",
	  BACKUP_SET
	  "connections:\n"
	  "  c: {dbname: x}\n"
	  "  s: {dbname: x, host: /tmp/s}\n"
	  "canary: {connection: c, table: t, key: {id: \"1\"}, columns: "
	  "[a]}\n"
	  "phases:\n"
	  "  verify_backup:\n"
	  "    - id: v\n"
	  "      run: [ls]\n"
	  "  restore:\n"
	  "    - id: x\n"
	  "      canary: delete\n",
	  { "19:15: 'canary: delete' deletes a row: put it in the destroy "
	    "phase",
	    NULL } },
	{ "cmd-host",
	  CONNS_PHASES
	  "    - id: x\n"
	  "      run: [ls]\n"
	  "      host: h\n",
	  { "16:13: unknown ssh host 'h' (define it under ssh_hosts:)",
	    NULL } },
	{ "cmd-host-runas",
	  BACKUP_SET
	  "connections:\n"
	  "  c: {dbname: x}\n"
	  "  s: {dbname: x, host: /tmp/s}\n"
	  "ssh_hosts:\n"
	  "  h: {user: u, host: x, identity_file: /k, known_hosts: /kh}\n"
	  "phases:\n"
	  "  verify_backup:\n"
	  "    - id: x\n"
	  "      run: [ls]\n"
	  "      host: h\n"
	  "      run_as: bob\n",
	  { "19:15: run_as cannot be used with host: the remote user is the "
	    "ssh host's user",
	    NULL } },
	{ "files-mode",
	  CONNS_PHASES
	  "    - id: x\n"
	  "      files: {path: /x, mode: \"0999\"}\n",
	  { "15:31: 'mode' must be octal like \"0750\" (quote it: YAML 1.1 "
	    "reads 0750 as a number), got '0999'",
	    NULL } },
	{ "files-mode-long",
	  CONNS_PHASES
	  "    - id: x\n"
	  "      files: {path: /x, mode: \"07777\"}\n",
	  { "15:31: 'mode' must be octal like \"0750\" (quote it: YAML 1.1 "
	    "reads 0750 as a number), got '07777'",
	    NULL } },
	{ "files-owner",
	  CONNS_PHASES
	  "    - id: x\n"
	  "      files: {path: /x, owner: \"2000\"}\n",
	  { "15:32: 'owner' must be uid:gid or user:group, got '2000'",
	    NULL } },
	{ "files-owner-empty",
	  CONNS_PHASES
	  "    - id: x\n"
	  "      files: {path: /x, owner: \"\"}\n",
	  { "15:32: 'owner' must be uid:gid or user:group, got ''",
	    NULL } },
	{ "ie-none",
	  CONNS_PHASES
	  "    - id: x\n"
	  "      files:\n"
	  "        path: /x\n"
	  "        in_effect: {destination: /d}\n",
	  { "17:20: in_effect needs container: (a running container's mount) "
	    "or config: with key: (the service's own setting)",
	    NULL } },
	{ "ie-config-nokey",
	  CONNS_PHASES
	  "    - id: x\n"
	  "      files:\n"
	  "        path: /x\n"
	  "        in_effect: {config: /c}\n",
	  { "17:20: in_effect: config: and key: go together",
	    NULL } },
	{ "ie-key-noconfig",
	  CONNS_PHASES
	  "    - id: x\n"
	  "      files:\n"
	  "        path: /x\n"
	  "        in_effect: {container: m, key: k}\n",
	  { "17:20: in_effect: config: and key: go together",
	    NULL } },
	{ "ie-inspect",
	  CONNS_PHASES
	  "    - id: x\n"
	  "      files:\n"
	  "        path: /x\n"
	  "        in_effect: {config: /c, key: k, inspect: [x]}\n",
	  { "17:20: in_effect: inspect: and destination: are for container:",
	    NULL } },
	{ "ie-destination",
	  CONNS_PHASES
	  "    - id: x\n"
	  "      files:\n"
	  "        path: /x\n"
	  "        in_effect: {config: /c, key: k, destination: /d}\n",
	  { "17:20: in_effect: inspect: and destination: are for container:",
	    NULL } },
	{ "ie-relative",
	  CONNS_PHASES
	  "    - id: x\n"
	  "      files:\n"
	  "        path: /x\n"
	  "        in_effect: {container: m, relative_to: /r}\n",
	  { "17:20: in_effect: relative_to: is for config:",
	    NULL } },
	{ "conn-both",
	  BACKUP_SET
	  "connections:\n"
	  "  c: {dbname: x, password_env: P, password_file: /f}\n"
	  "phases:\n"
	  "  verify_backup:\n"
	  "    - id: v\n"
	  "      run: [ls]\n",
	  { "10:6: a connection takes password_env or password_file, not both",
	    NULL } },
	{ "item-both",
	  "backup_set:\n"
	  "  - {id: db, title: d, tier: 1, kind: database, source: [x], "
	  "artifact: y, scheduled: /b/*.dump}\n"
	  "phases:\n"
	  "  verify_backup:\n"
	  "    - id: v\n"
	  "      run: [ls]\n",
	  { "8:5: a backup_set item takes artifact: (the file the backup "
	    "phase makes) or scheduled: (the backups a schedule makes), not "
	    "both",
	    NULL } },
	{ "item-neither",
	  "backup_set:\n"
	  "  - {id: db, title: d, tier: 1, kind: database, source: [x]}\n"
	  "phases:\n"
	  "  verify_backup:\n"
	  "    - id: v\n"
	  "      run: [ls]\n",
	  { "8:5: a backup_set item takes artifact: (the file the backup "
	    "phase makes) or scheduled: (the backups a schedule makes), one "
	    "of them",
	    NULL } },
	{ "item-ondamaged",
	  "backup_set:\n"
	  "  - {id: db, title: d, tier: 1, kind: database, source: [x], "
	  "artifact: y, on_damaged: use_older}\n"
	  "phases:\n"
	  "  verify_backup:\n"
	  "    - id: v\n"
	  "      run: [ls]\n",
	  { "8:5: on_damaged: and timezone: are for scheduled: items",
	    NULL } },
	{ "item-timezone",
	  "backup_set:\n"
	  "  - {id: db, title: d, tier: 1, kind: database, source: [x], "
	  "artifact: y, timezone: UTC}\n"
	  "phases:\n"
	  "  verify_backup:\n"
	  "    - id: v\n"
	  "      run: [ls]\n",
	  { "8:5: on_damaged: and timezone: are for scheduled: items",
	    NULL } },
	{ "item-dup",
	  BACKUP_SET
	  "  - {id: db, title: e, tier: 2, kind: files, source: [z], "
	  "artifact: w}\n"
	  "phases:\n"
	  "  verify_backup:\n"
	  "    - id: v\n"
	  "      run: [ls]\n",
	  { "9:5: a second backup_set item with id 'db'",
	    NULL } },
	{ "fr-conn",
	  BACKUP_SET
	  "connections:\n"
	  "  c: {dbname: x}\n"
	  "  s: {dbname: x, host: /tmp/s}\n"
	  "freshness:\n"
	  "  - {connection: c, column: t}\n"
	  "phases:\n"
	  "  verify_backup:\n"
	  "    - id: v\n"
	  "      run: [ls]\n",
	  { "13:5: a freshness check names both connection: and table:, or "
	    "neither (then the canary's)",
	    NULL } },
	{ "fr-nocanary",
	  BACKUP_SET
	  "connections:\n"
	  "  c: {dbname: x}\n"
	  "  s: {dbname: x, host: /tmp/s}\n"
	  "freshness:\n"
	  "  - {column: t}\n"
	  "phases:\n"
	  "  verify_backup:\n"
	  "    - id: v\n"
	  "      run: [ls]\n",
	  { "13:5: a freshness check without connection: and table: uses the "
	    "canary's, and the drill has no canary:",
	    NULL } },
	{ "ssh-user",
	  BACKUP_SET
	  "ssh_hosts:\n"
	  "  h: {user: -x, host: x, identity_file: /k, known_hosts: /kh}\n"
	  "phases:\n"
	  "  verify_backup:\n"
	  "    - id: v\n"
	  "      run: [ls]\n",
	  { "10:13: ssh user '-x': letters, digits, '.', '_' and '-', not "
	    "first",
	    NULL } },
	{ "ssh-host",
	  BACKUP_SET
	  "ssh_hosts:\n"
	  "  h: {user: u, host: \"a b\", identity_file: /k, known_hosts: "
	  "/kh}\n"
	  "phases:\n"
	  "  verify_backup:\n"
	  "    - id: v\n"
	  "      run: [ls]\n",
	  { "10:22: ssh host 'a b': a host name or an address (letters, "
	    "digits, '.', ':', '_', '-'; not '-' first)",
	    NULL } },
	{ "several",
	  "backup_set:\n"
	  "  - {id: db, title: d, tier: 1, kind: database, source: [x]}\n"
	  "connections:\n"
	  "  c: {dbname: x, password_env: P, password_file: /f}\n"
	  "  s: {dbname: x}\n"
	  "freshness:\n"
	  "  - {column: t}\n"
	  "phases:\n"
	  "  verify_backup:\n"
	  "    - id: st\n"
	  "      pgbackrest: {stanza: p}\n"
	  "    - id: f\n"
	  "      files: {path: /x, mode: \"9\", in_effect: {config: /c}}\n"
	  "    - id: g\n"
	  "      fingerprint: {connection: c, may_differ: {t: w}}\n"
	  "    - id: k\n"
	  "      canary: record\n"
	  "  restore:\n"
	  "    - id: r\n"
	  "      recover: {pgbackrest: st, scratch: /s, connection: s}\n",
	  { "10:6: a connection takes password_env or password_file, not both",
	    "8:5: a backup_set item takes artifact: (the file the backup "
	    "phase makes) or scheduled: (the backups a schedule makes), one "
	    "of them",
	    "13:5: a freshness check without connection: and table: uses the "
	    "canary's, and the drill has no canary:",
	    "19:47: in_effect: config: and key: go together",
	    "21:48: 'may_differ' needs 'same_as': the step it is compared "
	    "with",
	    "23:15: a canary step needs a top-level 'canary:' naming its "
	    "table and row",
	    "26:16: a recover step needs exactly one of target_time, "
	    "target_time_file, target_lsn, target_name, target_xid, "
	    "target_immediate: true, target_latest: true",
	    NULL } },
	{ "step-nothing",
	  CONNS_PHASES
	  "    - id: x\n"
	  "      title: t\n",
	  { "14:7: step 'x' does nothing: give it one of run, shell, "
	    "checksum, toc, sql, files, wait, canary, fingerprint, "
	    "basebackup, pgbackrest, recover",
	    NULL } },
	{ "step-other-key",
	  CONNS_PHASES
	  "    - id: x\n"
	  "      files: {path: /x}\n"
	  "      cwd: /srv\n",
	  { "16:7: 'cwd' only applies to run and shell steps, not files",
	    NULL } },
	{ "step-two-kinds",
	  CONNS_PHASES
	  "    - id: x\n"
	  "      files: {path: /x}\n"
	  "      wait: {connection: c}\n",
	  { "16:13: step 'x' has both 'files' and 'wait'; a step does one "
	    "thing",
	    NULL } },
	{ "destroy-false",
	  CONNS_PHASES
	  "    - id: v\n"
	  "      run: [ls]\n"
	  "  destroy:\n"
	  "    - id: x\n"
	  "      destructive: false\n"
	  "      run: [ls]\n",
	  { "18:20: steps in the destroy phase are destructive; remove "
	    "'destructive: false'",
	    NULL } },
	{ "backup-destructive",
	  CONNS_PHASES
	  "    - id: v\n"
	  "      run: [ls]\n"
	  "  backup:\n"
	  "    - id: x\n"
	  "      destructive: true\n"
	  "      run: [ls]\n",
	  { "18:20: a destructive step belongs in the destroy or restore "
	    "phase, not backup",
	    NULL } },
	{ "fp-destroy-destructive",
	  CONNS_PHASES
	  "    - id: v\n"
	  "      run: [ls]\n"
	  "  destroy:\n"
	  "    - id: x\n"
	  "      destructive: true\n"
	  "      fingerprint: {connection: c}\n",
	  { "18:20: a fingerprint only reads: it is not destructive",
	    NULL } },
	{ "when-self",
	  CONNS_PHASES
	  "    - id: x\n"
	  "      when: {step: x, status: passed}\n"
	  "      run: [ls]\n",
	  { "15:20: 'when: step' must name an earlier step, got 'x'",
	    NULL } },
	{ "step-dup",
	  CONNS_PHASES
	  "    - id: x\n"
	  "      run: [ls]\n"
	  "    - id: x\n"
	  "      run: [ls]\n",
	  { "16:11: duplicate step id 'x' (first at line 14)",
	    NULL } },
	{ "rec-inplace-destroy-false",
	  CONNS_PHASES
	  "    - id: st\n"
	  "      pgbackrest: {stanza: prod}\n"
	  "    - id: bb\n"
	  "      basebackup: {dir: /b, wal_archive: /w}\n"
	  "  destroy:\n"
	  "    - id: r\n"
	  "      destructive: false\n"
	  "      recover: {pgbackrest: st, scratch: /s, connection: s, "
	  "target_latest: true, in_place: true}\n",
	  { "20:20: steps in the destroy phase are destructive; remove "
	    "'destructive: false'",
	    NULL } },
};

/* "PATH:" + want, the start of `line` up to its newline. */
static int is_error_line(const char *line, const char *want)
{
	size_t n = strlen(path), w = strlen(want);

	return !strncmp(line, path, n) && line[n] == ':' &&
	       !strncmp(line + n + 1, want, w) &&
	       (line[n + 1 + w] == '\n' || !line[n + 1 + w]);
}

/* Every rule refuses what it did, at the same place, in the same order. */
static void test_rules_unchanged(void **state)
{
	size_t i, k;

	(void)state;
	for (i = 0; i < sizeof(load_cases) / sizeof(load_cases[0]); i++) {
		const struct load_case *lc = &load_cases[i];
		struct error err = ERROR_INIT;
		struct drill *d = load(lc->text, &err);
		const char *p;

		if (d)
			fail_msg("%s: loaded", lc->name);
		if (!is_error_line(err.msg.buf, lc->errs[0]))
			fail_msg("%s: %s, not %s", lc->name, err.msg.buf,
				 lc->errs[0]);
		/* The others in detail, each on a line of its own, in order. */
		p = err.detail.buf;
		for (k = 1; lc->errs[k]; k++) {
			while (*p && !is_error_line(p, lc->errs[k])) {
				p = strchr(p, '\n');
				p = p ? p + 1 : "";
			}
			if (!*p)
				fail_msg("%s: no '%s' after the errors "
					 "before it in:\n%s", lc->name,
					 lc->errs[k], err.detail.buf);
		}
		error_release(&err);
	}
}

static const struct drill_step *step_id(const struct drill *d, const char *id)
{
	size_t i;

	for (i = 0; i < d->nsteps; i++)
		if (!strcmp(d->steps[i].id, id))
			return &d->steps[i];
	fail_msg("no step %s", id);
	return NULL;
}

static int body_destructive(const struct drill_step *s)
{
	json_t *v = json_object_get(s->json, "destructive");

	assert_true(json_is_boolean(v));
	return json_is_true(v);
}

/*
 * What a kind decides reaches the plan body and the model: an in-place
 * recovery destroys; a fingerprint and a canary's record only read, even
 * in the destroy phase; a delete does; a command's line as shown.
 */
static void test_kind_decides(void **state)
{
	struct error err = ERROR_INIT;
	struct drill *d;

	(void)state;
	d = load("backup_set:\n  - {id: db, title: d, tier: 1, kind: database, "
		 "source: [x], artifact: y}\n"
		 "connections:\n  c: {dbname: x}\n  s: {dbname: x, host: /s}\n"
		 "canary: {connection: c, table: t, key: {id: \"1\"}, "
		 "columns: [a]}\n"
		 "phases:\n  verify_backup:\n"
		 "    - id: st\n      pgbackrest: {stanza: prod}\n"
		 "    - id: cmd\n      run: [echo, \"a b\", \"it's\"]\n"
		 "    - id: sh\n      shell: echo $HOME\n"
		 "  destroy:\n"
		 "    - id: fp\n      fingerprint: {connection: c}\n"
		 "    - id: rec\n      canary: record\n"
		 "    - id: del\n      canary: delete\n"
		 "  restore:\n"
		 "    - id: r\n      recover: {pgbackrest: st, scratch: /x, "
		 "connection: s, target_latest: true, in_place: true}\n"
		 "    - id: r2\n      recover: {pgbackrest: st, scratch: /y, "
		 "connection: s, target_immediate: true, "
		 "target_latest: false}\n", &err);
	if (!d)
		fail_msg("%s", err.msg.buf);
	assert_string_equal(step_id(d, "cmd")->display,
			    "echo 'a b' 'it'\\''s'");
	assert_string_equal(step_id(d, "sh")->display, "echo $HOME");
	assert_false(step_id(d, "fp")->destructive);
	assert_false(body_destructive(step_id(d, "fp")));
	assert_false(step_id(d, "rec")->destructive);
	assert_false(body_destructive(step_id(d, "rec")));
	assert_true(step_id(d, "del")->destructive);
	assert_true(body_destructive(step_id(d, "del")));
	assert_true(step_id(d, "r")->destructive);
	assert_true(body_destructive(step_id(d, "r")));
	/* A target set to false is no target: r2 has exactly one. */
	assert_false(step_id(d, "r2")->destructive);
	assert_false(body_destructive(step_id(d, "r2")));
	assert_false(step_id(d, "st")->destructive);
	drill_free(d);
	error_release(&err);
}

/*
 * A plan body's step comes back edited: each key the loader makes is
 * refused naming it, with the same words, the first wrong one first.
 */
static void test_plan_step_keys(void **state)
{
	static const char *const edits[][3] = {
		/*
		 * key of steps[1], new value (NULL: removed), what
		 * "plan: steps[1]" is said to be (NULL: bound)
		 */
		{ "id", NULL, " is missing 'id'" },
		{ "n", NULL, "'n' must be 1" },
		{ "n", "\"1\"", "'n' must be 1" },
		{ "n", "2", "'n' must be 1" },
		{ "phase", NULL, "'phase' is not a phase" },
		{ "phase", "3", "'phase' is not a phase" },
		{ "phase", "\"later\"", "'phase' is not a phase" },
		{ "destructive", NULL, "'destructive' must be true or false" },
		{ "destructive", "1", "'destructive' must be true or false" },
		{ "destructive", "\"true\"",
		  "'destructive' must be true or false" },
		{ "when", "{\"phase_started\": \"destroy\"}", NULL },
		{ "when", "{\"step\": \"a\", \"status\": \"ran\"}", NULL },
		{ "when", "null", "'when' is not a condition" },
		{ "when", "\"destroy_started\"", "'when' is not a condition" },
		{ "when", "[]", "'when' is not a condition" },
		{ "when", "{}", "'when' is not a condition" },
		{ "when", "{\"phase_started\": \"later\"}",
		  "'when' is not a condition" },
		{ "when", "{\"phase_started\": 4}",
		  "'when' is not a condition" },
		{ "when", "{\"phase_started\": \"destroy\", \"x\": \"y\"}",
		  "'when' is not a condition" },
		{ "when", "{\"phase_started\": \"destroy\", \"x\": 1}",
		  "'when' is not a condition" },
		{ "when", "{\"step\": \"a\", \"status\": \"won\"}",
		  "'when' is not a condition" },
		{ "when", "{\"step\": \"a\"}", "'when' is not a condition" },
		{ "when", "{\"step\": 5, \"status\": \"passed\"}",
		  "'when' is not a condition" },
		{ "when", "{\"step\": \"a\", \"status\": \"passed\", "
			  "\"phase_started\": \"backup\"}",
		  "'when' is not a condition" },
		{ "when",
		  "{\"step\": \"a\", \"status\": \"passed\", \"x\": null}",
		  "'when' is not a condition" },
		{ "timeout_s", NULL, "'timeout_s' must be a number" },
		{ "timeout_s", "-1", "'timeout_s' must be a number" },
		{ "timeout_s", "1.5", "'timeout_s' must be a number" },
		{ "timeout_s", "\"1h\"", "'timeout_s' must be a number" },
		{ "kind", NULL, "unknown step kind '(none)'" },
		{ "kind", "null", "unknown step kind '(none)'" },
		{ "kind", "7", "unknown step kind '(none)'" },
		{ "kind", "\"nosuch\"", "unknown step kind 'nosuch'" },
		{ "kind", "\"wait\"", "a wait step without 'wait'" },
		{ "run", NULL, "a command step without 'run'" },
		{ "run", "[1]", "'run' must be a list of text" },
	};
	struct error err = ERROR_INIT;
	struct drill *d = load("backup_set:\n  - {id: db, title: d, tier: 1, "
			       "kind: database, source: [x], artifact: y}\n"
			       "phases:\n  backup:\n"
			       "    - id: a\n      run: [ls]\n", &err);
	json_t *body;
	char want[200];
	size_t i;

	(void)state;
	if (!d)
		fail_msg("%s", err.msg.buf);
	body = json_incref(d->body);
	drill_free(d);
	for (i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
		json_t *b = json_deep_copy(body);
		json_t *s = json_array_get(json_object_get(b, "steps"), 0);

		if (edits[i][1])
			json_object_set_new(s, edits[i][0], json_loads(
				edits[i][1], JSON_DECODE_ANY, NULL));
		else
			json_object_del(s, edits[i][0]);
		d = drill_from_body(b, &err);
		if (!edits[i][2] && !d)
			fail_msg("%s = %s: %s", edits[i][0], edits[i][1],
				 err.msg.buf);
		snprintf(want, sizeof(want), "plan: steps[1]%s%s",
			 edits[i][2] && *edits[i][2] != ' ' ? ": " : "",
			 edits[i][2] ? edits[i][2] : "");
		if (edits[i][2] && (d || strcmp(err.msg.buf, want)))
			fail_msg("%s = %s: '%s', not '%s'", edits[i][0],
				 edits[i][1] ? edits[i][1] : "(removed)",
				 d ? "(bound)" : err.msg.buf, want);
		drill_free(d);
		json_decref(b);
	}
	/* Two keys wrong: the one bound first is named. */
	{
		json_t *b = json_deep_copy(body);
		json_t *s = json_array_get(json_object_get(b, "steps"), 0);

		json_object_set_new(s, "kind", json_string("nosuch"));
		json_object_set_new(s, "destructive", json_null());
		json_object_set_new(s, "phase", json_null());
		assert_null(drill_from_body(b, &err));
		assert_string_equal(err.msg.buf,
				    "plan: steps[1]: 'phase' is not a phase");
		json_object_set_new(s, "phase", json_string("backup"));
		assert_null(drill_from_body(b, &err));
		assert_string_equal(err.msg.buf, "plan: steps[1]: "
				    "'destructive' must be true or false");
		json_decref(b);
	}
	json_decref(body);
	error_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rules_unchanged),
		cmocka_unit_test(test_kind_decides),
		cmocka_unit_test(test_plan_step_keys),
	};
	int rc;

	if (!mkdtemp(tmpdir))
		return 1;
	rc = cmocka_run_group_tests_name("loadcheck", tests, NULL, NULL);
	unlink(path);
	rmdir(tmpdir);
	return rc;
}
