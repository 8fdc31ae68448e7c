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
 * "context":{...}} (a plan whose compact text is over
 * JOURNAL_PLAN_INLINE_MAX is named instead, "plan_file": {"path":
 * "plan.json", "sha256": HEX of plan.json's bytes}, and the readers put
 * it back as "plan"), then {"type":"step", "n":..., ...} per step, then
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

/*
 * Bounded memory for hostile journals (issue 27): a record nests at most
 * JOURNAL_DEPTH_MAX levels of [ and {; parsed, it may take at most
 * JOURNAL_RECORD_RATIO times its bytes plus 4 KiB (rdrill's own records
 * take about 10 times, a line of nested empty arrays 45 times), and one
 * read holds at most JOURNAL_READ_MEMORY bytes of parsed records
 * (jansson's own allocations, counted; a genuine journal of 10,000 steps
 * takes about 70 MiB). Past any of them the journal is refused as
 * damaged, naming the line.
 */
#define JOURNAL_DEPTH_MAX 64
#define JOURNAL_RECORD_RATIO 24
#define JOURNAL_READ_MEMORY (128u << 20)

/* A plan bigger than this is referenced by hash from the start record. */
#define JOURNAL_PLAN_INLINE_MAX (256u << 10)
/* plan.json read back for a start record: a 10,000-step plan is ~3 MiB. */
#define JOURNAL_PLAN_FILE_MAX (64u << 20)

/*
 * plan.json at `path`, parsed in bounded memory like a journal line (at
 * most JOURNAL_PLAN_FILE_MAX bytes, JOURNAL_DEPTH_MAX deep); the SHA-256
 * of its bytes into `hex` (may be NULL). NULL with err otherwise.
 */
json_t *journal_read_plan(const char *path, char hex[65], struct error *err);

/*
 * Put `plan` (plan.json's object; `plan_text`: plan.json's bytes) into
 * start record `start`: inline, or by hash when too big.
 */
void journal_set_plan(json_t *start, json_t *plan, const char *plan_text);

/*
 * One JSON value at the start of `buf` (whitespace before it skipped),
 * parsed as json_loadb() parses a whole text with JSON_REJECT_DUPLICATES
 * but stopping after it: *used gets the bytes read (whitespace before it
 * included), *mem adds the bytes the value holds. NULL when `buf` does
 * not start with a valid value, or when *mem would pass `limit` while
 * parsing it (the parse stops there). For planread.c.
 */
json_t *journal_parse_value(const char *buf, size_t len, size_t *used,
			    size_t *mem, size_t limit);

/* 1 when a serialised record nests deeper than JOURNAL_DEPTH_MAX. */
int journal_record_too_deep(const char *line, size_t len);

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

/*
 * journal_read (verify 0) or journal_read_verified (1), but a journal
 * holding no whole record (killed between its creation and its start
 * record) is an empty array rather than an error: for the readers of a
 * cut-short bundle (seal.c), which render it from plan.json.
 */
json_t *journal_read_any(const char *path, int verify, int *torn,
			 struct error *err);

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

/*
 * The one walk every reader above is made of (and jrecord.h's): each
 * line of `path` read once, in bounded memory, checked (its length, its
 * nesting, its parse within the budget; with JOURNAL_WALK_VERIFY seq and
 * the prev hash), the start record's plan put back (journal_set_plan),
 * and handed to `each` as a journal_line. `each` takes l->rec: it
 * returns 1 when it keeps it (its memory stays counted against
 * JOURNAL_READ_MEMORY), 0 when it let it go (given back), -1 with err to
 * stop; bytes it keeps besides (a copy of the line) it adds to l->keep,
 * and they are counted too. JOURNAL_WALK_EMPTY_OK: a journal with no
 * whole record is no error (journal_read_any). `js` (may be NULL):
 * filled as journal_stat() fills it, on success.
 */
#define JOURNAL_WALK_VERIFY 1u
#define JOURNAL_WALK_EMPTY_OK 2u

struct journal_line {
	json_t *rec;            /* the record, parsed */
	const char *text;       /* its bytes, without the newline */
	size_t len;
	long long lineno;       /* 1-based; its seq is lineno - 1 */
	unsigned long long off; /* where the line starts in the file */
	const char *hash;       /* SHA-256 of its bytes (hex): what the
				 * next record's prev holds */
	size_t keep;            /* bytes `each` holds besides rec */
};
typedef int journal_each_fn(struct journal_line *l, void *ctx,
			    struct error *err);
int journal_walk(const char *path, unsigned flags, int *torn,
		 struct journal_stat *js, journal_each_fn *each, void *ctx,
		 struct error *err);
/*
 * The same walk of `fd` (`path` names it in messages), read from its
 * start with pread(): its offset is left alone and it stays open, for a
 * caller that reads lines again later from the file it walked
 * (jrecord.h).
 */
int journal_walk_fd(int fd, const char *path, unsigned flags, int *torn,
		    struct journal_stat *js, journal_each_fn *each, void *ctx,
		    struct error *err);

/*
 * A start record's plan named by hash (plan.json), read by its caller a
 * step at a time rather than parsed whole: `read` gets plan.json's bytes
 * (their SHA-256 checked against the record's, their nesting within
 * JOURNAL_DEPTH_MAX) and the memory the whole parse could take, and
 * returns plan.json's object, its plan's "steps" left out (the caller
 * took them as it read them), with *mem set to what its parses took
 * (counted against the read's budget as the whole parse would have
 * been), or NULL: then plan.json is parsed whole
 * as always, and that parse's verdict and message stand.
 */
struct journal_plan_reader {
	json_t *(*read)(const char *text, size_t len, size_t budget,
			size_t *mem, void *ctx);
	void *ctx;
};
int journal_walk_fd_plan(int fd, const char *path, unsigned flags, int *torn,
			 struct journal_stat *js, journal_each_fn *each,
			 void *ctx, const struct journal_plan_reader *lean,
			 struct error *err);

/*
 * One record's bytes (a line journal_walk() already accepted) parsed
 * again, within a record's budget. NULL + err when not an object.
 */
json_t *journal_parse_record(const char *text, size_t len, struct error *err);

#endif
