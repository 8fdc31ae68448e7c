/*
 * rdrill ship: a sealed bundle copied to a central directory, locally or
 * over SSH, never overwriting, the copy compared before it gets its name
 * (ship.h).
 */
#include "ship.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "exec.h"
#include "seal.h"
#include "ssh.h"
#include "strvec.h"

/* The listing: every regular file's SHA-256, sorted by path. */
#define LISTING "find . -type f -print0 | LC_ALL=C sort -z | " \
		"xargs -0r sha256sum --"
/* At most this much listing (some 50 000 files). */
#define LISTING_MAX (4u << 20)
/* The remote side's exit when the name is taken. */
#define EXIT_EXISTS 17
#define UPLOAD_TIMEOUT_MS (6UL * 3600 * 1000)
#define SMALL_TIMEOUT_MS (300UL * 1000)
#define RENAME_NOREPLACE_FLAG 1u

/*
 * Receive: refuse a taken name, unpack stdin into the partial
 * directory, print the copy's listing. Arguments: DEST RUNNER NAME PARTIAL.
 */
static const char receive_script[] =
	"d=$1/$2 n=$3 p=$4; mkdir -p -- \"$d\" && cd -- \"$d\" || exit 1; "
	"if [ -e \"$n\" ]; then exit 17; fi; mkdir -- \"$p\" || exit 1; "
	"tar -x -f - -C \"$p\" --no-same-owner || exit 1; "
	"cd -- \"$p/$n\" || exit 1; " LISTING;

/* Keep (rename, never over a name) or drop the partial copy. */
static const char keep_script[] =
	"cd -- \"$1/$2\" || exit 1; "
	"if [ -e \"$3\" ]; then rm -rf -- \"$4\"; exit 17; fi; "
	"mv -T -- \"$4/$3\" \"$3\" && rmdir -- \"$4\"";
static const char drop_script[] = "rm -rf -- \"$1/$2/$4\"";

int ship_name_ok(const char *name)
{
	const char *p;

	if (!*name || *name == '.' || strlen(name) > 200)
		return 0;
	for (p = name; *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "0123456789._-", *p))
			return 0;
	return 1;
}

void ship_dest_release(struct ship_dest *d)
{
	strbuf_release(&d->path);
	strbuf_release(&d->user);
	strbuf_release(&d->hostname);
}

/* ssh://[USER@]HOST[:PORT]/PATH */
static int parse_ssh(struct ship_dest *d, const char *rest, struct error *err)
{
	const char *slash = strchr(rest, '/'), *at, *colon;
	const char *hs;
	char *end;

	if (!slash || slash == rest)
		return error_set(err, "ssh destination: ssh://[USER@]HOST[:PORT]"
				 "/PATH");
	at = memchr(rest, '@', (size_t)(slash - rest));
	hs = at ? at + 1 : rest;
	colon = memchr(hs, ':', (size_t)(slash - hs));
	if (at) {
		strbuf_add(&d->user, rest, (size_t)(at - rest));
	} else {
		struct passwd *pw = getpwuid(geteuid());
		if (!pw)
			return error_set(err, "ssh destination: no user given "
					 "and the current one has no name");
		strbuf_adds(&d->user, pw->pw_name);
	}
	strbuf_add(&d->hostname, hs, (size_t)((colon ? colon : slash) - hs));
	if (colon) {
		long port = strtol(colon + 1, &end, 10);
		if (end != slash || port < 1 || port > 65535)
			return error_set(err, "ssh destination: bad port");
		d->host.port.v = port;
		d->host.port.set = 1;
	}
	if (!d->user.len || !d->hostname.len || d->hostname.buf[0] == '-' ||
	    d->user.buf[0] == '-')
		return error_set(err, "ssh destination: empty or bad user or "
				 "host");
	strbuf_adds(&d->path, slash);
	return 0;
}

int ship_dest_parse(struct ship_dest *d, const char *dest,
		    const char *identity, const char *known_hosts,
		    struct error *err)
{
	if (strncmp(dest, "ssh://", 6)) {
		if (!*dest)
			return error_set(err, "empty destination");
		strbuf_adds(&d->path, dest);
		return 0;
	}
	d->remote = 1;
	if (!identity || !known_hosts)
		return error_set(err, "an ssh:// destination needs --identity "
				 "FILE and --known-hosts FILE (the pinned host "
				 "key)");
	if (parse_ssh(d, dest + 6, err) < 0)
		return -1;
	d->host.name = "ship";
	d->host.user = d->user.buf;
	d->host.host = d->hostname.buf;
	d->host.identity_file = identity;
	d->host.known_hosts = known_hosts;
	return 0;
}

/*
 * Run argv, its stdout kept whole in `out` (up to LISTING_MAX), stderr's
 * head in `errtext`. The exit code, or -1 with err set.
 */
static int run_capture(const char *const *argv, unsigned long timeout_ms,
		       struct strbuf *out, struct strbuf *errtext,
		       struct error *err)
{
	struct exec_cmd cmd = EXEC_CMD_INIT;
	struct exec_result res = EXEC_RESULT_INIT;
	int rc = -1;

	strvec_pushv(&cmd.argv, argv);
	strvec_push(&cmd.env, "LC_ALL=C");
	cmd.timeout_ms = timeout_ms;
	cmd.grace_ms = 2000;
	cmd.excerpt_bytes = LISTING_MAX;
	if (exec_run(&cmd, &res, err) < 0)
		goto out;
	if (res.timed_out) {
		error_set(err, "%s: timed out", argv[0]);
		goto out;
	}
	if (res.out_bytes > res.out_head.len) {
		error_set(err, "%s: more output than %u bytes", argv[0],
			  LISTING_MAX);
		goto out;
	}
	if (out)
		strbuf_add(out, res.out_head.buf, res.out_head.len);
	if (errtext)
		strbuf_add(errtext, res.err_head.buf, res.err_head.len);
	rc = res.exit_code;
out:
	exec_cmd_release(&cmd);
	exec_result_release(&res);
	return rc;
}

/* The listing of a local directory. */
static int local_listing(const char *dir, struct strbuf *out,
			 struct error *err)
{
	const char *argv[] = { "/bin/sh", "-c", "cd -- \"$1\" && " LISTING,
			       "rdrill-ship", dir, NULL };
	struct strbuf e = STRBUF_INIT;
	int rc = run_capture(argv, SMALL_TIMEOUT_MS, out, &e, err);

	if (rc > 0)
		error_set(err, "listing %s failed: %s", dir, e.buf);
	strbuf_release(&e);
	return rc == 0 ? 0 : -1;
}

static size_t count_lines(const struct strbuf *sb)
{
	size_t i, n = 0;

	for (i = 0; i < sb->len; i++)
		n += sb->buf[i] == '\n';
	return n;
}

static void remove_tree(const char *path)
{
	const char *argv[] = { "rm", "-rf", "--", path, NULL };
	struct error e = ERROR_INIT;

	run_capture(argv, SMALL_TIMEOUT_MS, NULL, NULL, &e);
	error_release(&e);
}

static int mkdir_one(const char *path, struct error *err)
{
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		return error_errno(err, "cannot create %s", path);
	return 0;
}

/* Every byte of the copy again, as `rdrill verify` would. */
static int check_copy(const char *partial, struct error *err)
{
	struct seal_check c;
	int rc = -1;

	seal_check_init(&c);
	if (seal_check(partial, NULL, NULL, &c, err) < 0)
		goto out;
	if (c.problems.nr) {
		error_set(err, "the copy does not verify: %s", c.problems.v[0]);
		goto out;
	}
	rc = 0;
out:
	seal_check_release(&c);
	return rc;
}

static int ship_local(const char *bundle, const char *name,
		      const struct ship_dest *d, const char *runner,
		      const struct strbuf *want, struct strbuf *where,
		      struct error *err)
{
	struct strbuf dir = STRBUF_INIT, partial = STRBUF_INIT,
		      got = STRBUF_INIT;
	struct stat st;
	int rc = SHIP_FAILED;
	const char *cp[] = { "cp", "-a", "-T", "--", bundle, NULL, NULL };

	strbuf_addf(&dir, "%s/%s", d->path.buf, runner);
	strbuf_addf(where, "%s/%s", dir.buf, name);
	if (mkdir_one(d->path.buf, err) < 0 || mkdir_one(dir.buf, err) < 0)
		goto out;
	if (!lstat(where->buf, &st)) {
		rc = SHIP_EXISTS;
		goto out;
	}
	strbuf_addf(&partial, "%s/.%s.partial-%ld", dir.buf, name,
		    (long)getpid());
	cp[5] = partial.buf;
	if (run_capture(cp, UPLOAD_TIMEOUT_MS, NULL, NULL, err) != 0) {
		if (!err->msg.len)
			error_set(err, "cp to %s failed", partial.buf);
		goto drop;
	}
	if (local_listing(partial.buf, &got, err) < 0)
		goto drop;
	if (got.len != want->len || memcmp(got.buf, want->buf, got.len)) {
		error_set(err, "the copy at %s differs from the bundle",
			  partial.buf);
		goto drop;
	}
	if (check_copy(partial.buf, err) < 0)
		goto drop;
	/* Not rename(2): it would replace an empty directory of that name. */
	if (syscall(SYS_renameat2, AT_FDCWD, partial.buf, AT_FDCWD, where->buf,
		    RENAME_NOREPLACE_FLAG) < 0) {
		if (errno == EEXIST)
			rc = SHIP_EXISTS;
		else
			error_errno(err, "cannot rename %s", partial.buf);
		goto drop;
	}
	rc = SHIP_OK;
	goto out;
drop:
	remove_tree(partial.buf);
out:
	strbuf_release(&dir);
	strbuf_release(&partial);
	strbuf_release(&got);
	return rc;
}

/* ssh's argv running `script` with DEST RUNNER NAME PARTIAL. */
static void remote_argv(const struct ship_dest *d, const char *script,
			const char *runner, const char *name,
			const char *partial, struct strvec *argv)
{
	const char *words[] = { "sh", "-c", script, "rdrill-ship", d->path.buf,
				runner, name, partial, NULL };
	struct strbuf line = STRBUF_INIT;

	ssh_argv(&d->host, 30, argv);
	ssh_quote_words(&line, words);
	strvec_push(argv, line.buf);
	strbuf_release(&line);
}

static int remote_finish(const struct ship_dest *d, const char *script,
			 const char *runner, const char *name,
			 const char *partial, struct strbuf *errtext,
			 struct error *err)
{
	struct strvec argv = STRVEC_INIT;
	int rc;

	remote_argv(d, script, runner, name, partial, &argv);
	rc = run_capture(argv.v, SMALL_TIMEOUT_MS, NULL, errtext, err);
	strvec_clear(&argv);
	return rc;
}

static int ship_remote(const char *bundle, const char *name,
		       const struct ship_dest *d, const char *runner,
		       const struct strbuf *want, struct strbuf *where,
		       struct error *err)
{
	struct strvec argv = STRVEC_INIT;
	struct strbuf partial = STRBUF_INIT, got = STRBUF_INIT,
		      etext = STRBUF_INIT, parent = STRBUF_INIT;
	const char *slash = strrchr(bundle, '/');
	int rc = SHIP_FAILED, x;

	strbuf_addf(where, "ssh://%s@%s:%ld%s/%s/%s", d->user.buf,
		    d->hostname.buf, d->host.port.set ? d->host.port.v : 22L,
		    d->path.buf, runner, name);
	strbuf_addf(&partial, ".%s.partial-%ld-%lld", name, (long)getpid(),
		    (long long)time(NULL));
	if (slash)
		strbuf_add(&parent, bundle, (size_t)(slash - bundle) + !(slash - bundle));
	else
		strbuf_addch(&parent, '.');
	/* tar's stream into ssh; the listing says whether it all arrived. */
	strvec_push(&argv, "/bin/sh");
	strvec_push(&argv, "-c");
	strvec_push(&argv, "d=$1 n=$2; shift 2; tar -c -f - -C \"$d\" -- \"$n\" | \"$@\"");
	strvec_push(&argv, "rdrill-ship");
	strvec_push(&argv, parent.buf);
	strvec_push(&argv, name);
	remote_argv(d, receive_script, runner, name, partial.buf, &argv);
	x = run_capture(argv.v, UPLOAD_TIMEOUT_MS, &got, &etext, err);
	if (x == EXIT_EXISTS) {
		rc = SHIP_EXISTS;
		goto out;
	}
	if (x != 0) {
		if (!err->msg.len)
			error_set(err, "copy to %s failed (exit %d): %s",
				  where->buf, x, etext.buf);
		goto drop;
	}
	if (got.len != want->len || memcmp(got.buf, want->buf, got.len)) {
		error_set(err, "the copy at %s differs from the bundle",
			  where->buf);
		goto drop;
	}
	strbuf_reset(&etext);
	x = remote_finish(d, keep_script, runner, name, partial.buf, &etext,
			  err);
	if (x == EXIT_EXISTS)
		rc = SHIP_EXISTS;
	else if (x != 0 && !err->msg.len)
		error_set(err, "renaming the copy at %s failed (exit %d): %s",
			  where->buf, x, etext.buf);
	else if (x == 0)
		rc = SHIP_OK;
	goto out;
drop:
	remote_finish(d, drop_script, runner, name, partial.buf, NULL, err);
out:
	strvec_clear(&argv);
	strbuf_release(&partial);
	strbuf_release(&got);
	strbuf_release(&etext);
	strbuf_release(&parent);
	return rc;
}

int ship_bundle(const char *bundle, const struct ship_dest *d,
		const char *runner, struct strbuf *where, size_t *nfiles,
		struct error *err)
{
	struct strbuf want = STRBUF_INIT, clean = STRBUF_INIT;
	const char *name;
	int rc = SHIP_FAILED;

	strbuf_adds(&clean, bundle);
	while (clean.len > 1 && clean.buf[clean.len - 1] == '/')
		strbuf_setlen(&clean, clean.len - 1);
	name = strrchr(clean.buf, '/');
	name = name ? name + 1 : clean.buf;
	if (!ship_name_ok(name)) {
		error_set(err, "bundle directory name '%s': only letters, "
			  "digits, '.', '_' and '-', not starting with '.'",
			  name);
		goto out;
	}
	if (local_listing(clean.buf, &want, err) < 0)
		goto out;
	*nfiles = count_lines(&want);
	if (d->remote)
		rc = ship_remote(clean.buf, name, d, runner, &want, where, err);
	else
		rc = ship_local(clean.buf, name, d, runner, &want, where, err);
out:
	strbuf_release(&want);
	strbuf_release(&clean);
	return rc;
}
