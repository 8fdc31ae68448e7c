#include "clock.h"
#include "strbuf.h"

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
