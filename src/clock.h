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
