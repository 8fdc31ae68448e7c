#ifndef RDRILL_FPSCAN_H
#define RDRILL_FPSCAN_H

#include <jansson.h>

#include "strvec.h"
#include <signal.h>

struct drill;
struct error;
struct fingerprint;
struct runfacts;
struct schema_kv;
struct strvec;

/*
 * Reading a fingerprint (fingerprint.h) from a server, as pg_dump -j
 * reads a database: the first connection opens a REPEATABLE READ, READ
 * ONLY transaction, exports its snapshot (pg_export_snapshot) and reads
 * the catalogs in it; every other connection imports that snapshot (SET
 * TRANSACTION SNAPSHOT) before its first query, so all of them see the
 * same committed state however long the scan takes and whatever is
 * written meanwhile.
 *
 * The tables' rows are then read with COPY ... TO STDOUT (the stored
 * columns; generated ones are derived) on `jobs` connections at once, all driven by one poll() loop (libpq's
 * non-blocking COPY: no threads). Tables go largest first; on servers
 * with TID range scans (PostgreSQL 14+) a large table is cut into block
 * ranges read in parallel (sums add up, so the chunks' digests combine
 * to the table's). Each row is hashed as it arrives and freed: memory
 * does not grow with the size of a table.
 *
 * Every session reads with pinned output settings (DateStyle ISO,
 * IntervalStyle postgres, extra_float_digits 3, TimeZone UTC,
 * bytea_output hex, lc_monetary C, search_path pg_catalog,
 * client_encoding UTF8), so two servers configured differently still
 * print the same rows and definitions the same way.
 *
 * Every wait polls the sockets at least every 100 ms, stops at
 * `deadline_ms` (clock_mono_ms(); 0: none) or when *cancel becomes set,
 * cancelling the queries under way (PQcancel) before closing.
 */
struct fpscan_opts {
	const struct drill *drill;
	const char *connection;           /* the drill's connection name */
	int jobs;                         /* connections; <= 0: online CPUs */
	const struct strvec *include;     /* patterns; empty: every table */
	const struct schema_kv *exclude;  /* pattern -> reason */
	long long deadline_ms;
	volatile sig_atomic_t *cancel;
	struct runfacts *facts;           /* for runfacts_connect */
	struct strvec *secrets;
};

struct fpscan_stats {
	int jobs;                 /* connections used */
	int refused;              /* 1: the server refused some of them */
	int chunks;               /* COPY statements sent */
	unsigned long long bytes; /* COPY text read */
	long long ms;
	char server_version[32];  /* server_version_num */
	/*
	 * What the fingerprint does not compare, each a line naming the
	 * object kind and how many the database has ("3 views: their
	 * definitions are not compared"); the caller frees it (strvec_clear).
	 */
	struct strvec not_covered;
};

/* 0 with `fp` filled (sorted), or -1 with err set (passwords redacted). */
int fpscan_run(const struct fpscan_opts *o, struct fingerprint *fp,
	       struct fpscan_stats *st, struct error *err);

/* The default number of connections: the online CPUs, 1..16. */
int fpscan_default_jobs(void);

#endif
