#ifndef RDRILL_YTREE_H
#define RDRILL_YTREE_H

#include <stddef.h>

struct error;

/*
 * A drill file as a tree of YAML nodes, built from libyaml events with the
 * limits a hostile file needs: one document, no anchors or aliases (libyaml
 * does not bound alias expansion), bounded nesting and scalar size. Every
 * node keeps its 1-based line and column for error messages.
 *
 * libyaml resolves no types, and neither does this: every scalar is text
 * with its style, so `no` stays "no" until a schema asks for a boolean.
 */

enum ynode_type { YNODE_SCALAR, YNODE_SEQ, YNODE_MAP };

enum ynode_style {
	YSTYLE_PLAIN,   /* unquoted: the only style that may be a bool/int/null */
	YSTYLE_QUOTED,  /* '...' or "..." */
	YSTYLE_BLOCK,   /* | or > */
};

struct ynode {
	enum ynode_type type;
	enum ynode_style style;
	int line, col;          /* 1-based, of the node's first character */
	char *str;              /* scalar text (NUL-terminated), else NULL */
	size_t len;
	struct ynode **kids;    /* seq: items; map: key, value, key, value... */
	size_t nkids;
	size_t alloc;
};

struct ytree;

#define YTREE_MAX_DEPTH 64
#define YTREE_MAX_SCALAR (1u << 20)
#define YTREE_MAX_FILE (32u << 20)
#define YTREE_MAX_NODES 200000

/*
 * Parse `path`. On error returns NULL and fills err with
 * "path:line:col: what is wrong" and, in err->detail, the source line
 * with a caret under the column.
 */
struct ytree *ytree_load(const char *path, struct error *err);
void ytree_free(struct ytree *t);

const struct ynode *ytree_root(const struct ytree *t);
const char *ytree_path(const struct ytree *t);
/* The raw bytes of the file (hashing the drill file, error carets). */
const char *ytree_source(const struct ytree *t, size_t *len);

/*
 * Fill err with "path:line:col: <fmt>" and a caret line. Returns -1.
 * Used by every schema check so all drill errors look the same.
 */
int ytree_error_at(const struct ytree *t, int line, int col, struct error *err,
		   const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Map lookup by key; NULL when absent. */
const struct ynode *ynode_get(const struct ynode *map, const char *key);

/* A plain scalar YAML would read as null: "", "~", "null", "Null", "NULL". */
int ynode_is_null(const struct ynode *n);

#endif
