#ifndef RDRILL_FINGERPRINT_H
#define RDRILL_FINGERPRINT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct error;
struct schema_kv;
struct strbuf;

/*
 * A database's fingerprint, and comparing two of them: the model behind
 * the fingerprint step (step-fingerprint.c); reading one from a server
 * is fpscan.c's.
 *
 * A table's contents digest is the sum, modulo 2^256, of the SHA-256 of
 * every row's text as COPY ... TO STDOUT writes it (the 32 bytes read as
 * a big-endian number). A sum does not depend on the order rows come
 * in (so parallel chunks of one table add up, and a restored table whose
 * rows sit elsewhere on disk still matches), and unlike XOR it keeps
 * duplicates apart: a row twice adds its hash twice.
 */

/* 256 bits, four 64-bit limbs, w[0] the least significant. */
struct fp_sum {
	uint64_t w[4];
};
#define FP_SUM_INIT { { 0, 0, 0, 0 } }
#define FP_HEX_LEN 64

/* s += the big-endian 32-byte number h (mod 2^256). */
void fp_sum_add_hash(struct fp_sum *s, const unsigned char h[32]);
/* s += t (mod 2^256). */
void fp_sum_add(struct fp_sum *s, const struct fp_sum *t);
/* 64 lowercase hex digits, most significant first, and back. */
void fp_sum_hex(const struct fp_sum *s, char hex[FP_HEX_LEN + 1]);
int fp_sum_parse(struct fp_sum *s, const char *hex);

/* SHA-256 of rows, one OpenSSL context reused for all of them. */
struct fp_hasher;
struct fp_hasher *fp_hasher_new(void);
/* s += SHA-256(row). */
void fp_hasher_row(struct fp_hasher *h, struct fp_sum *s, const void *row,
		   size_t len);
void fp_hasher_free(struct fp_hasher *h);

/*
 * Does a table selection pattern name "schema"."table"? A pattern with
 * a dot is matched (fnmatch) against "schema.table", one without
 * against the table's name in any schema: "posts", "public.*", "audit_*".
 */
int fp_pattern_match(const char *pattern, const char *schema,
		     const char *table);

struct fp_table {
	/*
	 * "schema.table", each part as quote_ident() spells it, so that
	 * public."a.b" and "public.a".b stay two names; or a whole-database
	 * entry in parentheses: "(large objects)", "(enum types)".
	 */
	char *name;
	long long rows;
	struct fp_sum sum;    /* contents */
	/* SHA-256 (hex) of the catalogs' definitions, sorted */
	char columns[FP_HEX_LEN + 1];     /* names, types, NOT NULL, defaults */
	char constraints[FP_HEX_LEN + 1]; /* pg_get_constraintdef */
	char indexes[FP_HEX_LEN + 1];     /* pg_get_indexdef */
};

struct fp_sequence {
	char *name;           /* "schema.sequence", each part quote_ident'ed */
	char *value;          /* last_value as text, or "(never used)" */
	/*
	 * Its definition and raw state ("bigint start 1 increment 1 min 1
	 * max ... cycle f; last_value 1 is_called f"): a never-used
	 * sequence restarted elsewhere shows "(never used)" on both sides,
	 * but not the same state. NULL: not recorded (an older rdrill), then
	 * only the value is compared.
	 */
	char *state;
};

/* A table left out on purpose, and why (the drill's words). */
struct fp_excluded {
	char *name;
	char *reason;
};

struct fingerprint {
	struct fp_table *tables;      /* sorted by name */
	size_t nr, alloc;
	struct fp_sequence *seqs;     /* sorted by name */
	size_t nseq, seqalloc;
	struct fp_excluded *excluded;
	size_t nexcl, exclalloc;
};
#define FINGERPRINT_INIT { NULL, 0, 0, NULL, 0, 0, NULL, 0, 0 }

struct fp_table *fingerprint_add_table(struct fingerprint *fp,
				       const char *name);
struct fp_sequence *fingerprint_add_sequence(struct fingerprint *fp,
					    const char *name, const char *value);
void fingerprint_add_excluded(struct fingerprint *fp, const char *name,
			      const char *reason);
/* Sort tables and sequences by name (compare needs it). */
void fingerprint_sort(struct fingerprint *fp);
void fingerprint_release(struct fingerprint *fp);

long long fingerprint_rows(const struct fingerprint *fp);
/* The schema digest of one table: SHA-256 of its three parts. */
void fp_table_schema_hex(const struct fp_table *t, char hex[FP_HEX_LEN + 1]);

/*
 * {"tables": [{"table", "rows", "digest", "columns", "constraints",
 *  "indexes"}], "sequences": [{"sequence", "value"}],
 *  "excluded": [{"table", "reason"}]}, and back (every type checked).
 */
json_t *fingerprint_to_json(const struct fingerprint *fp);
int fingerprint_from_json(struct fingerprint *fp, json_t *j,
			  struct error *err);

/* What differs between two fingerprints of one table or sequence. */
#define FP_ROWS        0x01u
#define FP_CONTENTS    0x02u
#define FP_COLUMNS     0x04u
#define FP_CONSTRAINTS 0x08u
#define FP_INDEXES     0x10u
#define FP_VALUE       0x20u  /* a sequence's */
#define FP_MISSING     0x40u  /* only in the earlier fingerprint */
#define FP_ADDED       0x80u  /* only in the later one */

struct fp_diff {
	const char *name;
	int sequence;                 /* 1: a sequence, 0: a table */
	unsigned what;                /* FP_*; 0: identical */
	const struct fp_table *before, *after;      /* tables, when there */
	const struct fp_sequence *sbefore, *safter; /* sequences */
	const char *expected;         /* the declared reason, if it may differ */
};

/*
 * One entry per table and sequence of either fingerprint (tables first,
 * by name), except those either one excluded. `may_differ` maps
 * patterns (as above) to the reason the drill gives; a difference on a
 * table it names is expected. *out is xmalloc'd; free() it (it points
 * into both fingerprints).
 */
void fingerprint_compare(const struct fingerprint *before,
			 const struct fingerprint *after,
			 const struct schema_kv *may_differ,
			 struct fp_diff **out, size_t *n);

/*
 * A fingerprint name split back into its unquoted schema and table (for
 * patterns): 0, or -1 for a name that is not "schema.table".
 */
int fp_name_split(const char *name, struct strbuf *schema,
		  struct strbuf *table);

/* "rows 100 → 99, contents changed", "identical", "only before", ... */
void fp_diff_text(const struct fp_diff *d, struct strbuf *sb);

#endif
