#include "clock.h"
#include "strbuf.h"

#include <stdio.h>
#include <string.h>

static long long read_ms(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long long clock_wall_ms(void)
{
	return read_ms(CLOCK_REALTIME);
}

long long clock_mono_ms(void)
{
	return read_ms(CLOCK_MONOTONIC);
}

long long clock_boot_ms(void)
{
#ifdef CLOCK_BOOTTIME
	return read_ms(CLOCK_BOOTTIME);
#else
	return read_ms(CLOCK_MONOTONIC);
#endif
}

void clock_format_utc_ms(struct strbuf *sb, long long ms)
{
	struct tm tm;
	time_t t = (time_t)(ms / 1000);
	char buf[32];

	if (ms < 0 || !gmtime_r(&t, &tm) ||
	    !strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm)) {
		strbuf_adds(sb, "(invalid time)");
		return;
	}
	strbuf_addf(sb, "%s.%03lldZ", buf, ms % 1000);
}

void clock_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

long long clock_utc_secs(int y, int mo, int d, int h, int mi, int sec)
{
	long long days;

	/* Days from civil (Howard Hinnant), so no timegm() and no TZ. */
	y -= mo <= 2;
	{
		long long era = (y >= 0 ? y : y - 399) / 400;
		long long yoe = y - era * 400;
		long long doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
		long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
		days = era * 146097 + doe - 719468;
	}
	return ((days * 24 + h) * 60 + mi) * 60LL + sec;
}

/* Milliseconds since the epoch of a journal time ("...T...Z"), or -1. */
long long clock_parse_utc_ms(const char *iso)
{
	int y, mo, d, h, mi, sec, ms = 0, n = 0;

	if (!iso || sscanf(iso, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h,
			   &mi, &sec, &n) != 6 || n != 19)
		return -1;
	if (iso[19] == '.' && strspn(iso + 20, "0123456789") >= 3)
		ms = (iso[20] - '0') * 100 + (iso[21] - '0') * 10 +
		     (iso[22] - '0');
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    sec > 60)
		return -1;
	return clock_utc_secs(y, mo, d, h, mi, sec) * 1000LL + ms;
}


void deadline_init(struct deadline *dl, long timeout_s)
{
	dl->timeout_s = timeout_s > 0 ? timeout_s : 0;
	dl->at_ms = timeout_s > 0 ?
		    clock_mono_ms() + (long long)timeout_s * 1000 : 0;
}

long long deadline_left_ms(const struct deadline *dl)
{
	long long left;

	if (!dl || !dl->at_ms)
		return -1;
	left = dl->at_ms - clock_mono_ms();
	return left > 0 ? left : 0;
}

long long deadline_clamp_ms(const struct deadline *dl, long long ms)
{
	long long left = deadline_left_ms(dl);

	return left >= 0 && left < ms ? left : ms;
}
