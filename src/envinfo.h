#ifndef RDRILL_ENVINFO_H
#define RDRILL_ENVINFO_H

#include <jansson.h>

/*
 * Where and by whom a drill ran, for the journal's start record
 * (context.environment) and the report: host name, OS release
 * (/etc/os-release PRETTY_NAME), kernel (uname), the libraries' versions
 * (libpq, OpenSSL, libyaml, jansson), the operator's uid, user name and
 * SUDO_USER, TZ and the zone in effect, and whether the kernel says the
 * clock is NTP-synchronised (adjtimex: "yes", "no", "unknown") - what
 * `timedatectl show -p NTPSynchronized` reads, without a process.
 * Every value is text; what cannot be found is "unknown".
 */
json_t *envinfo_collect(void);

#endif
