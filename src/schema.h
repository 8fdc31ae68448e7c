#ifndef RDRILL_SCHEMA_H
#define RDRILL_SCHEMA_H

#include <jansson.h>
#include <stddef.h>

#include "strvec.h"

struct error;
struct ynode;

/*
 * A schema describes one struct of the drill model (drill.h, and each
 * step kind's parameters, step-*.c): the YAML keys a drill file may
 * use, their types and limits, the key each is stored under in the plan
 * body (plan.h), and where its value lands in the C struct.
 *
 * One table drives both directions, so a key cannot be validated under
 * one name and read under another:
 *   drill.c:      YAML -> plan body JSON (errors at file:line:col)
 *   schema_bind:  plan body JSON -> C struct (plan, run, render, verify)
 * The plan body stays the serialised form: it is what the plan hash
 * covers and what the journal carries, so `rdrill render` rebuilds the
 * same model from a bundle alone. That JSON may come back edited, so
 * binding re-checks every type and never trusts it.
 *
 * How values are bound (at `off` in the struct):
 *   text kinds, enums, ids    const char *  (borrowed from the JSON; NULL
 *                                             when absent)
 *   INT, DURATION             struct schema_int (.set says present)
 *   REAL                      struct schema_real (.set says present)
 *   BOOL                      int
 *   LIST of text              struct strvec
 *   LIST of INT               long * at `off`, its count (size_t) at `off2`
 *   LIST or MAP of OBJ        item array at `off`, count at `off2`; a MAP's
 *                             item gets its name at the item schema's
 *                             `name_off`
 *   MAP of text               struct schema_kv
 *   OBJ                       pointer to an allocated struct, NULL when
 *                             absent
 */

enum schema_type {
	SCHEMA_STR,      /* text, ${vars} expanded as they are */
	SCHEMA_SHELL,    /* text for /bin/sh -c, ${vars} shell-quoted */
	SCHEMA_SQL,      /* an SQL query, ${vars} as SQL literals */
	SCHEMA_LIT,      /* text, no expansion (env var names) */
	SCHEMA_ID,       /* identifier: [a-z0-9][a-z0-9_.-]*, no expansion */
	SCHEMA_CONN,     /* an identifier naming one of connections: */
	SCHEMA_STEPREF,  /* the id of an earlier step of kind `refkind` */
	SCHEMA_INT,
	SCHEMA_DURATION, /* "90s", "15m", "1h30m", "2d"; stored as key_s */
	SCHEMA_BOOL,     /* true or false, nothing else */
	SCHEMA_ENUM,
	SCHEMA_LIST,     /* sequence of `item` */
	SCHEMA_MAP,      /* mapping of names to `item` */
	SCHEMA_OBJ,      /* mapping with the keys of `obj` */
	SCHEMA_REAL,     /* any JSON number, bound as double; records only
			  * (no drill file key has this type) */
};

#define SCHEMA_REQ      1u  /* must be present */
#define SCHEMA_NONEMPTY 2u  /* a list or text must not be empty */
#define SCHEMA_MANUAL   4u  /* the loader converts it itself */
#define SCHEMA_DERIVED  8u  /* set by the loader, never in a drill file */
#define SCHEMA_NOBIND  16u  /* not bound (no `off`) */
#define SCHEMA_QUOTED  32u  /* a number may also be given quoted ("1"), as
			     * its sibling text fields must be */
/*
 * Records only (no drill file key has these). SCHEMA_RAW: bound as the
 * member's own JSON value, whatever its type (a borrowed json_t *, NULL
 * when absent): a value recorded "as any JSON" (a step's exit_code, its
 * evidence, the plan body), or a member whose mere presence counts; the
 * field's type is then not looked at. SCHEMA_KEEPNULL: left NULL by
 * schema_empty_text() (its reader tells absent text from "").
 */
#define SCHEMA_RAW     64u
#define SCHEMA_KEEPNULL 128u

struct schema;

struct schema_field {
	const char *key;
	enum schema_type type;
	unsigned flags;
	size_t off, off2;
	const struct schema_field *item;
	const struct schema *obj;
	const char *const *enums;
	long min, max;
	const char *help;     /* what a missing or wrong value should look like */
	const char *def;      /* JSON text stored when the key is absent */
	const char *refkind;  /* SCHEMA_STEPREF: the kind referred to */
};

struct schema_ctx;

struct schema {
	const char *what;               /* "connection", "sql", ... */
	const struct schema_field *fields;
	size_t size;                    /* of the bound struct */
	size_t name_off;                /* SCHEMA_NAME(...) or 0 */
	/*
	 * Cross-field rules, after the fields converted (drill.c): `obj`
	 * is the object bound into this schema's struct (`size` bytes, a
	 * `const struct drill_conn *` for connections), valid during the
	 * call; errors at `n`, the object's mapping, or its keys' nodes
	 * (ynode_get(n, key)).
	 */
	int (*check)(struct schema_ctx *c, const struct ynode *n,
		     const void *obj);
};

/* Where a MAP item's name goes: offset + 1, so that 0 can mean none. */
#define SCHEMA_NAME(type, member) (offsetof(type, member) + 1)

struct schema_int {
	long v;
	int set;
};

struct schema_real {
	double v;
	int set;
};

/* A mapping of names to text, in file order. */
struct schema_kv {
	struct strvec keys;
	struct strvec vals;
};

/* The value of `key`, or NULL. */
const char *schema_kv_get(const struct schema_kv *kv, const char *key);

/* The JSON key a field is stored under: durations get "_s". */
void schema_json_key(const struct schema_field *f, char *buf, size_t len);

/*
 * Fill `out` (s->size bytes, zeroed by the caller) from `obj`. `where`
 * names the object in messages ("plan: steps[3].sql"). -1 with err set
 * when a value has the wrong type or a required one is missing;
 * whatever was bound until then is still released by schema_release.
 */
int schema_bind(const struct schema *s, json_t *obj, void *out,
		const char *where, struct error *err);

/*
 * The same tables read the records rdrill wrote and reads back (a step's
 * evidence in the journal, history.json): typed once, in one place, but
 * never trusted and never refused. A member of the wrong type reads as
 * absent (NULL, .set 0, false, no pointer), a list's or mapping's item
 * of the wrong type is left out (an object item of the wrong type is
 * bound all absent, so indexes keep their place), a required one may be
 * missing, and `obj` itself may be anything. Never fails. Strings are
 * borrowed from `obj`; schema_release() frees the rest.
 */
void schema_bind_lenient(const struct schema *s, json_t *obj, void *out);

/*
 * After a bind: every text member still NULL (absent, or of the wrong
 * type) set to "", also in the objects, lists and mappings of objects
 * bound, but those flagged SCHEMA_KEEPNULL: for readers of records
 * where absent text reads as empty (journal_str()'s rule).
 */
void schema_empty_text(const struct schema *s, void *p);

/* Free what schema_bind allocated inside `p` (not `p` itself). */
void schema_release(const struct schema *s, void *p);

/*
 * The loader's side (drill.c), for a schema's or a step kind's own
 * rules: an error at a node of the drill file, and its top level.
 */
int schema_error_at(struct schema_ctx *c, const struct ynode *n,
		    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
const struct ynode *schema_ctx_root(struct schema_ctx *c);

#endif
