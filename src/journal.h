#ifndef RDRILL_JOURNAL_H
#define RDRILL_JOURNAL_H

#include <jansson.h>

struct error;

/*
 * journal.jsonl: one JSON object per line, appended with one write() and
 * fsync'd as each step ends, so a run killed at any instant leaves every
 * finished step on disk. Each record carries "seq" (0, 1, ...) and "prev",
 * the SHA-256 of the previous line's bytes (null for the first): editing,
 * dropping or reordering a line breaks the chain, and `rdrill verify`
 * says where.
 *
 * Records: {"type":"start", "mode":"run"|"plan", "plan":{...},
 * "context":{...}}, then {"type":"step", "n":..., ...} per step, then
 * {"type":"end", "status":...}. No end record means the run was killed:
 * the report says INCOMPLETE.
 */

/*
 * No line is longer than JOURNAL_LINE_MAX: journal_append refuses a
 * bigger record (the runner journals a short one saying so), and the
 * readers read line by line in bounded memory, so a journal of any size
 * can be read, and a longer line is reported as damage naming it.
 */
#define JOURNAL_LINE_MAX (1u << 20)

struct journal;

/* Create `path` (must not exist: evidence is never overwritten). */
struct journal *journal_create(const char *path, struct error *err);

/*
 * Append `rec` (seq and prev are set here), write, fsync. On failure
 * (a full disk) nothing of `rec` stays in the file and the chain still
 * ends at the last record written, so a later append may succeed.
 */
int journal_append(struct journal *j, json_t *rec, struct error *err);

void journal_free(struct journal *j);

/* The text at `key` of a record (or any JSON object), "" when absent. */
const char *journal_str(json_t *rec, const char *key);

/* A record's time: `ms` since the epoch as ISO-8601 UTC (clock.h). */
json_t *journal_utc(long long ms);

/*
 * Read every complete record. A last line cut short by a kill is dropped
 * and counted in *torn (may be NULL). NULL + err when the file can't be
 * read, a line in the middle is not JSON, or it holds no start record.
 */
json_t *journal_read(const char *path, int *torn, struct error *err);

/* journal_read and journal_verify in one pass: the records of an intact chain. */
json_t *journal_read_verified(const char *path, int *torn, struct error *err);

/*
 * Re-check seq and the prev hashes of `path`. 0 when intact, else -1 and
 * err says which line broke the chain. A torn last line (killed while
 * writing) is not a break: it is reported in *torn.
 */
int journal_verify(const char *path, int *torn, struct error *err);

/*
 * The journal's shape without parsing it: whole lines, the SHA-256 of
 * the last one (the chain head), the bytes of a torn tail.
 */
struct journal_stat {
	long long records;
	char head[65];
	unsigned long long torn;
};
int journal_stat(const char *path, struct journal_stat *js, struct error *err);

#endif
