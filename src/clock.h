#ifndef RDRILL_CLOCK_H
#define RDRILL_CLOCK_H

#include <time.h>

struct strbuf;

/*
 * The clocks rdrill reads, in milliseconds. Wall time is for the record
 * (when a step started); durations, deadlines, RTO and RPO use the
 * monotonic clocks, which an NTP step cannot move.
 */

/* CLOCK_REALTIME: milliseconds since the epoch. */
long long clock_wall_ms(void);

/*
 * A step's deadline: the one form every part of a step takes (its
 * processes, its queries, its hashing, its fingerprint, its waiting).
 * at_ms is a clock_mono_ms() time, 0 when there is none; timeout_s is
 * what messages say ("timed out after 60s").
 */
struct deadline {
	long long at_ms;
	long timeout_s;
};

/* now + timeout_s; timeout_s <= 0: none. */
void deadline_init(struct deadline *dl, long timeout_s);
/* Milliseconds left (0 when passed), or -1 when there is none. */
long long deadline_left_ms(const struct deadline *dl);
/* `ms` cut to what is left: the shorter of a part's own limit and it. */
long long deadline_clamp_ms(const struct deadline *dl, long long ms);

/* CLOCK_MONOTONIC: for deadlines and timeouts. */
long long clock_mono_ms(void);

/*
 * CLOCK_BOOTTIME where there is one: like monotonic, but time the host
 * spent suspended still counts (a suspended restore still took that
 * long), so RTO is never under-reported.
 */
long long clock_boot_ms(void);

/* Append `ms` since the epoch as "2026-01-21T03:04:05.123Z". */
void clock_format_utc_ms(struct strbuf *sb, long long ms);

/*
 * The reverse, for the journal's "2026-12-02T00:03:33.968Z" (the
 * milliseconds optional): ms since the epoch, -1 when it is not one.
 * No TZ, no locale: reports render the same anywhere.
 */
long long clock_parse_utc_ms(const char *iso);

/*
 * Seconds since the epoch of a UTC calendar time (month 1-12), whatever
 * the process's TZ: the one place a broken-down time becomes a count
 * (no hand-filled struct tm and timegm()).
 */
long long clock_utc_secs(int y, int mo, int d, int h, int mi, int sec);

/* Sleep `ms` milliseconds (a signal may cut it short). */
void clock_sleep_ms(long ms);

#endif
