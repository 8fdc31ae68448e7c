#include "lock.h"
#include "clock.h"
#include "error.h"
#include "fsutil.h"
#include "strbuf.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

int lock_state_dir(struct strbuf *out, struct error *err)
{
	const char *v;

	strbuf_reset(out);
	if ((v = getenv("RDRILL_STATE_DIR")) && *v)
		strbuf_adds(out, v);
	else if (geteuid() == 0)
		strbuf_adds(out, "/var/lib/rdrill");
	else if ((v = getenv("XDG_STATE_HOME")) && *v == '/')
		strbuf_addf(out, "%s/rdrill", v);
	else if ((v = getenv("HOME")) && *v == '/')
		strbuf_addf(out, "%s/.local/state/rdrill", v);
	else
		return error_set(err, "no state directory for the run lock: "
				 "set RDRILL_STATE_DIR or HOME");
	return 0;
}

/* The environment may hold any byte: only [A-Za-z0-9_.-] stay as they are. */
static void add_key_part(struct strbuf *sb, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-')
			strbuf_addch(sb, (char)c);
		else
			strbuf_addf(sb, "%%%02X", c);
	}
}

/* What the holder wrote: its lines joined with ", ". */
static void describe_holder(int fd, struct strbuf *out)
{
	struct strbuf sb = STRBUF_INIT;
	char buf[1024];
	ssize_t n;
	size_t i;

	n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n > 0)
		strbuf_add(&sb, buf, (size_t)n);
	while (sb.len && sb.buf[sb.len - 1] == '\n')
		strbuf_setlen(&sb, sb.len - 1);
	for (i = 0; i < sb.len; i++) {
		unsigned char c = (unsigned char)sb.buf[i];
		if (c == '\n')
			strbuf_adds(out, ", ");
		else if (c >= 0x20 && c != 0x7f)
			strbuf_addch(out, (char)c);
	}
	if (!sb.len)
		strbuf_adds(out, "pid unknown (it is still starting)");
	strbuf_release(&sb);
}

static int write_lock(struct run_lock *l, const char *bundle,
		      struct error *err)
{
	struct strbuf sb = STRBUF_INIT;
	int ret = 0;

	strbuf_addf(&sb, "pid %ld\nstarted %s\n", (long)getpid(), l->started);
	if (bundle)
		strbuf_addf(&sb, "bundle %s\n", bundle);
	if (ftruncate(l->fd, 0) < 0 ||
	    pwrite(l->fd, sb.buf, sb.len, 0) != (ssize_t)sb.len)
		ret = error_errno(err, "cannot write the lock file %s",
				  l->path->buf);
	strbuf_release(&sb);
	return ret;
}

int run_lock_take(struct run_lock *l, const char *id, const char *environment,
		  int *held, struct error *err)
{
	struct strbuf dir = STRBUF_INIT, who = STRBUF_INIT, now = STRBUF_INIT;
	int ret = -1;

	*held = 0;
	l->fd = -1;
	l->path = xmalloc(sizeof(*l->path));
	strbuf_init(l->path, 0);
	l->started = NULL;
	if (lock_state_dir(&dir, err) < 0)
		goto out;
	strbuf_adds(&dir, "/locks");
	if (fs_mkdirs(dir.buf, 0755, err) < 0) {
		error_prefix(err, "the run lock");
		goto out;
	}
	strbuf_addf(l->path, "%s/", dir.buf);
	add_key_part(l->path, id);
	strbuf_addch(l->path, '@');
	add_key_part(l->path, environment);
	strbuf_adds(l->path, ".lock");
	l->fd = open(l->path->buf, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
		     0644);
	if (l->fd < 0) {
		error_errno(err, "cannot open the lock file %s", l->path->buf);
		goto out;
	}
	if (flock(l->fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno == EWOULDBLOCK) {
			*held = 1;
			describe_holder(l->fd, &who);
			error_set(err, "another run of drill %s in environment "
				  "%s holds %s (%s); refusing to start a second "
				  "one", id, environment, l->path->buf, who.buf);
		} else {
			error_errno(err, "cannot lock %s", l->path->buf);
		}
		close(l->fd);
		l->fd = -1;
		goto out;
	}
	clock_format_utc_ms(&now, clock_wall_ms());
	l->started = strbuf_detach(&now, NULL);
	ret = write_lock(l, NULL, err);
out:
	strbuf_release(&dir);
	strbuf_release(&who);
	strbuf_release(&now);
	if (ret < 0)
		run_lock_release(l);
	return ret;
}

int run_lock_set_bundle(struct run_lock *l, const char *bundle,
			struct error *err)
{
	if (l->fd < 0)
		return 0;
	return write_lock(l, bundle, err);
}

void run_lock_release(struct run_lock *l)
{
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
	if (l->path) {
		strbuf_release(l->path);
		free(l->path);
	}
	l->path = NULL;
	free(l->started);
	l->started = NULL;
}
