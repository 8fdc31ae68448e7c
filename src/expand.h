#ifndef RDRILL_EXPAND_H
#define RDRILL_EXPAND_H

#include <jansson.h>

struct error;
struct strbuf;
struct strmap;
struct ynode;
struct ytree;

/*
 * ${name} expansion. A value put into a command is quoted for where it
 * lands, so a path with a space or a quote cannot split an argument or
 * inject a command:
 *   EXPAND_PLAIN  the value as is (argv elements, paths, titles);
 *   EXPAND_SHELL  POSIX-shell quoted (shell: steps);
 *   EXPAND_SQL    an SQL string literal (sql: queries).
 * "$${" writes a literal "${"; any other "$" is left alone, so shell
 * scripts keep their $1 and $(...).
 */
enum expand_mode { EXPAND_PLAIN, EXPAND_SHELL, EXPAND_SQL };

/*
 * The most one expanded value may hold, and the most a whole drill file
 * may expand to, so a small hostile file cannot make the loader build
 * gigabytes (CI validates drills it did not write); and how deep
 * variables may build on each other (a: x, b: ${a}${a}, c: ${b}${b}...).
 * Each is a file:line:col error, exit 2.
 */
#define EXPAND_MAX_BYTES (1024 * 1024)
#define EXPAND_MAX_TOTAL (16 * 1024 * 1024)
#define EXPAND_MAX_DEPTH 8

/*
 * Expand the scalar `n` of tree `t` with `vars` (name -> text; a NULL
 * text is a scheduled item's file, picked when the run starts: only a
 * ${backup.ID.path} may name it, and it becomes a placeholder).
 * An undefined or malformed reference is an error at its own line and
 * column, and so is the reference that would make the value longer than
 * EXPAND_MAX_BYTES (counted before quoting; quoting adds little).
 * Names found are added to the set `used` if given.
 */
int expand_node(const struct ytree *t, const struct ynode *n,
		const struct strmap *vars, enum expand_mode mode,
		struct strmap *used, struct strbuf *out, struct error *err);

/*
 * ${backup.ID.path}: the file of backup_set item ID. For an artifact:
 * item it is in `vars` as text and expands like any variable. For a
 * scheduled: item `vars` holds NULL: the file is picked only when the
 * run starts, so the plan keeps a placeholder that says how to quote it,
 * "${backup.ID.path}" (plain), "${backup.ID.path@shell}" or
 * "${backup.ID.path@sql}", and the runner fills it with
 * expand_deferred(). A literal "${backup." ($${backup.) is refused, so
 * every placeholder in a plan is one the loader wrote.
 */
#define EXPAND_BACKUP_PREFIX "backup."

/*
 * The files picked for scheduled: items when the run starts, by item
 * id: what the placeholders are filled from (runner.c).
 */
struct expand_pick {
	char *item, *path;
};

struct expand_picks {
	struct expand_pick *v;
	size_t nr, alloc;
};

#define EXPAND_PICKS_INIT { NULL, 0, 0 }

/* Add (or replace) item's file. */
void expand_picks_set(struct expand_picks *p, const char *item,
		      const char *path);
/* Item's file, or NULL. */
const char *expand_picks_get(const struct expand_picks *p, const char *item);
void expand_picks_release(struct expand_picks *p);

/*
 * A text of the plan that holds placeholders, parsed once (at load,
 * drill.c): literal parts and references to an item's file with the
 * quoting the placeholder asks for. Filling it is typed: no text is
 * searched again, and each file goes in as one value quoted for where
 * it lands, whatever its name holds (quotes, spaces, $(...), newlines).
 */
struct expand_part {
	char *text;             /* the literal text, or the item id */
	int is_ref;             /* 1: the file of item `text` */
	enum expand_mode mode;  /* a reference's quoting */
};

struct expand_template {
	struct expand_part *v;
	size_t nr, alloc;
	size_t nrefs;
};

#define EXPAND_TEMPLATE_INIT { NULL, 0, 0, 0 }

/*
 * Parse `s` into `t` (initialised by the caller); returns how many
 * placeholders it holds (0: none, `t` may be released at once).
 */
size_t expand_template_parse(const char *s, struct expand_template *t);
/* Whether `t` refers to item `item`'s file. */
int expand_template_refers(const struct expand_template *t, const char *item);
/*
 * `t` with each reference replaced by its item's file from `picks`,
 * quoted as it says, appended to `out`: 0, or -1 with `missing` set to
 * an item id that has no file in `picks`.
 */
int expand_template_fill(const struct expand_template *t,
			 const struct expand_picks *picks, struct strbuf *out,
			 struct strbuf *missing);
void expand_template_release(struct expand_template *t);

/*
 * Replace the placeholders in `s` with the paths in `paths` (item id ->
 * path), quoted as each says, into `out`. Returns how many it replaced;
 * -1 (with `missing` set to the id) for one whose id is not in `paths`.
 * (The journal's form of the picks, for a bundle read back: restored.c.)
 */
int expand_deferred(const char *s, json_t *paths, struct strbuf *out,
		    struct strbuf *missing);
/*
 * expand_deferred() on every string below `v` (objects and arrays, in
 * place): 0, or -1 with `missing` set to an id not in `paths`.
 */
int expand_deferred_tree(json_t *v, json_t *paths, struct strbuf *missing);

/* Append `s` as an SQL string literal ('...' with '' for '). */
void expand_sql_literal(struct strbuf *out, const char *s);

#endif
