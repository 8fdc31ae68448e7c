#include "step.h"

#include <stddef.h>

/*
 * Alone in its file so that a program may bring a table of its own (the
 * test binary of tests/unit/test-kind.c adds a kind that lives in tests/
 * only): the archive's copy is then never linked in.
 */
/*
 * The step kinds, one row each (a kind's entry lives in its own file).
 * The order is only the order errors list their keys in ("give it one
 * of run, shell, checksum, ..."): no two kinds share a selector
 * (step_kinds_check), so a step is the kind of its one key.
 */
extern const struct step_kind step_kind_command, step_kind_checksum,
	step_kind_toc, step_kind_sql, step_kind_files, step_kind_wait,
	step_kind_canary, step_kind_fingerprint, step_kind_basebackup,
	step_kind_pgbackrest, step_kind_recover;

const struct step_kind *const step_kinds[] = {
	&step_kind_command,
	&step_kind_checksum,
	&step_kind_toc,
	&step_kind_sql,
	&step_kind_files,
	&step_kind_wait,
	&step_kind_canary,
	&step_kind_fingerprint,
	&step_kind_basebackup,
	&step_kind_pgbackrest,
	&step_kind_recover,
	NULL,
};

