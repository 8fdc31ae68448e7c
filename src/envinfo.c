#include "envinfo.h"
#include "strbuf.h"

#include <libpq-fe.h>
#include <openssl/crypto.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timex.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include <yaml.h>

/* Text from the system: JSON needs UTF-8, anything else is "unknown". */
static void set(json_t *o, const char *k, const char *v)
{
	json_t *s = v && *v ? json_string(v) : NULL;

	json_object_set_new(o, k, s ? s : json_string("unknown"));
}

/* PRETTY_NAME="Debian GNU/Linux 12 (bookworm)" from os-release. */
static void os_release(json_t *o)
{
	struct strbuf sb = STRBUF_INIT, val = STRBUF_INIT;
	const char *p, *e;

	if (strbuf_read_file(&sb, "/etc/os-release", 1u << 16) == 0 ||
	    strbuf_read_file(&sb, "/usr/lib/os-release", 1u << 16) == 0) {
		p = sb.buf;
		while ((p = strstr(p, "PRETTY_NAME="))) {
			if (p == sb.buf || p[-1] == '\n')
				break;
			p++;
		}
		if (p) {
			p += strlen("PRETTY_NAME=");
			e = strchr(p, '\n');
			if (!e)
				e = sb.buf + sb.len;
			if (e > p && *p == '"' && e[-1] == '"' && e - p >= 2) {
				p++;
				e--;
			}
			strbuf_add(&val, p, (size_t)(e - p));
		}
	}
	set(o, "os", val.buf);
	strbuf_release(&sb);
	strbuf_release(&val);
}

static const char *ntp_synced(void)
{
	struct timex tx;
	int st;

	memset(&tx, 0, sizeof(tx));
	st = adjtimex(&tx);
	if (st < 0)
		return "unknown";
	return st == TIME_ERROR || (tx.status & STA_UNSYNC) ? "no" : "yes";
}

json_t *envinfo_collect(void)
{
	json_t *o = json_object();
	struct strbuf sb = STRBUF_INIT;
	struct utsname u;
	struct passwd *pw;
	char host[256];
	time_t now = time(NULL);
	struct tm tm;
	char zone[64] = "";
	int v;

	if (gethostname(host, sizeof(host)) == 0) {
		host[sizeof(host) - 1] = '\0';
		set(o, "hostname", host);
	} else {
		set(o, "hostname", NULL);
	}
	os_release(o);
	if (uname(&u) == 0) {
		strbuf_addf(&sb, "%s %s %s (%s)", u.sysname, u.release, u.machine,
			    u.version);
		set(o, "kernel", sb.buf);
	} else {
		set(o, "kernel", NULL);
	}
	v = PQlibVersion();
	strbuf_reset(&sb);
	strbuf_addf(&sb, "%d.%d", v / 10000, v % 10000);
	set(o, "libpq", sb.buf);
	set(o, "openssl", OpenSSL_version(OPENSSL_VERSION));
	set(o, "libyaml", yaml_get_version_string());
	set(o, "jansson", JANSSON_VERSION);
	strbuf_reset(&sb);
	strbuf_addf(&sb, "%lu", (unsigned long)getuid());
	set(o, "uid", sb.buf);
	pw = getpwuid(getuid());
	set(o, "user", pw ? pw->pw_name : NULL);
	set(o, "sudo_user", getenv("SUDO_USER") ? getenv("SUDO_USER") : "none");
	set(o, "tz", getenv("TZ") ? getenv("TZ") : "unset");
	if (localtime_r(&now, &tm))
		strftime(zone, sizeof(zone), "%Z (UTC%z)", &tm);
	set(o, "zone", zone);
	set(o, "ntp_synchronised", ntp_synced());
	strbuf_release(&sb);
	return o;
}
