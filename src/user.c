#include "user.h"
#include "xalloc.h"

#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <unistd.h>

static int lookup(const char *name, uid_t uid, struct user_info *u)
{
	long hint = sysconf(_SC_GETPW_R_SIZE_MAX);
	size_t size = hint > 0 ? (size_t)hint : 16384;

	for (;;) {
		struct passwd pw, *res = NULL;
		char *buf = xmalloc(size);
		int e = name ? getpwnam_r(name, &pw, buf, size, &res) :
			getpwuid_r(uid, &pw, buf, size, &res);

		if (e == ERANGE && size < (1u << 24)) {
			free(buf);
			size *= 4;
			continue;
		}
		if (!e && res) {
			u->uid = pw.pw_uid;
			u->gid = pw.pw_gid;
			strbuf_reset(&u->name);
			strbuf_adds(&u->name, pw.pw_name);
			strbuf_reset(&u->home);
			strbuf_adds(&u->home, pw.pw_dir ? pw.pw_dir : "");
		}
		free(buf);
		/* "Not found" comes back as 0, ENOENT or ESRCH, by libc. */
		if (e && e != ENOENT && e != ESRCH) {
			errno = e;
			return -1;
		}
		return res != NULL;
	}
}

int user_by_name(const char *name, struct user_info *u)
{
	return lookup(name, 0, u);
}

int user_by_uid(uid_t uid, struct user_info *u)
{
	return lookup(NULL, uid, u);
}

void user_info_release(struct user_info *u)
{
	strbuf_release(&u->name);
	strbuf_release(&u->home);
}
