#include "step.h"

#include <stddef.h>

/*
 * test-kind's table: rdrill's (src/step-table.c) and one row more, the
 * probe kind of step-probe.c. Linked before librdrill.a, so the
 * archive's table is not.
 */
extern const struct step_kind step_kind_command, step_kind_checksum,
	step_kind_toc, step_kind_sql, step_kind_files, step_kind_wait,
	step_kind_canary, step_kind_fingerprint, step_kind_basebackup,
	step_kind_pgbackrest, step_kind_recover, step_kind_probe;

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
	&step_kind_probe,
	NULL,
};
