/*
 * A drill model around one step, for the step kinds' unit tests: the
 * step as JSON (as it stands in a plan body) and what the drill around
 * it must define (connections, canary); the fields every drill needs are
 * filled in. Included by one test file each: static on purpose.
 */
#ifndef RDRILL_TEST_DRILL_FIXTURE_H
#define RDRILL_TEST_DRILL_FIXTURE_H

#include "drill.h"
#include "error.h"

#include <jansson.h>

static struct drill *fixture_drill(json_t *parts, json_t *step)
{
	struct error err = ERROR_INIT;
	json_t *body = parts ? json_deep_copy(parts) : json_object();
	json_t *steps = json_array();
	struct drill *d;

	json_object_set_new(body, "rdrill", json_integer(1));
	json_object_set_new(body, "id", json_string("t"));
	json_object_set_new(body, "title", json_string("T"));
	json_object_set_new(body, "system", json_string("s"));
	json_object_set_new(body, "environment", json_string("test"));
	json_object_set_new(body, "objective", json_string("o"));
	json_object_set_new(body, "backup_set", json_pack(
		"[{s:s, s:s, s:i, s:s, s:[s], s:s}]", "id", "db", "title", "d",
		"tier", 1, "kind", "database", "source", "x", "artifact", "y"));
	if (!json_object_get(step, "n"))
		json_object_set_new(step, "n", json_integer(1));
	if (!json_object_get(step, "phase"))
		json_object_set_new(step, "phase", json_string("verify_backup"));
	if (!json_object_get(step, "destructive"))
		json_object_set_new(step, "destructive", json_false());
	if (!json_object_get(step, "timeout_s"))
		json_object_set_new(step, "timeout_s", json_integer(3600));
	json_array_append_new(steps, step);
	json_object_set_new(body, "steps", steps);
	d = drill_from_body(body, &err);
	if (!d)
		fail_msg("fixture drill: %s", err.msg.buf);
	json_decref(body);
	error_release(&err);
	return d;
}

#endif
