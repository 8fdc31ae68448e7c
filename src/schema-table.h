#ifndef RDRILL_SCHEMA_TABLE_H
#define RDRILL_SCHEMA_TABLE_H

#include <stddef.h>

#include "schema.h"

/*
 * Shorthands for writing schema tables (schema.h) of records rdrill
 * reads back: each is one struct schema_field, JSON member `k` bound
 * into member `m` of struct type `st`. Short names, so a table reads
 * like the record it declares: include this only in a .c file that
 * declares tables, never in a header.
 *
 *   TXT   text (absent: NULL)      OPT   text kept NULL when JSON null
 *   INT   struct schema_int        BOOL  int
 *   RAW   the member's own JSON (any type), borrowed
 *   OBJ   an object bound by table `sc` into a pointer member
 *   LIST  a list of items `it` into members `m` (array) and `n` (count)
 *
 * SCHEMA_OF(st, name, fields) declares table `name` of struct `st`;
 * ITEM_OF(name, sc) a list item bound by table `sc`.
 */
#define TXT(st, k, m) { .key = k, .type = SCHEMA_STR, .off = offsetof(st, m) }
#define OPT(st, k, m) { .key = k, .type = SCHEMA_STR, \
			.flags = SCHEMA_KEEPNULL, .off = offsetof(st, m) }
#define INT(st, k, m) { .key = k, .type = SCHEMA_INT, .off = offsetof(st, m) }
#define BOOL(st, k, m) { .key = k, .type = SCHEMA_BOOL, .off = offsetof(st, m) }
#define RAW(st, k, m) { .key = k, .type = SCHEMA_STR, .flags = SCHEMA_RAW, \
			.off = offsetof(st, m) }
#define OBJ(st, k, m, sc) { .key = k, .type = SCHEMA_OBJ, .obj = &(sc), \
			    .off = offsetof(st, m) }
#define LIST(st, k, m, n, it) { .key = k, .type = SCHEMA_LIST, .item = &(it), \
				.off = offsetof(st, m), .off2 = offsetof(st, n) }
#define SCHEMA_OF(st, name, fl) \
	static const struct schema name = { .what = #st, .fields = fl, \
					    .size = sizeof(st) }
#define ITEM_OF(name, sc) \
	static const struct schema_field name = { .type = SCHEMA_OBJ, \
						  .obj = &(sc) }

#endif
