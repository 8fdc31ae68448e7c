#ifndef RDRILL_USER_H
#define RDRILL_USER_H

#include <sys/types.h>

#include "strbuf.h"

/*
 * The password database, through the reentrant lookups (retried with a
 * bigger buffer on ERANGE): who a `run_as` user is, whose a file is.
 */
struct user_info {
	uid_t uid;
	gid_t gid;
	struct strbuf name;
	struct strbuf home;
};
#define USER_INFO_INIT { 0, 0, STRBUF_INIT, STRBUF_INIT }

/* 1 found (u filled), 0 no such user, -1 with errno on failure. */
int user_by_name(const char *name, struct user_info *u);
int user_by_uid(uid_t uid, struct user_info *u);

void user_info_release(struct user_info *u);

#endif
