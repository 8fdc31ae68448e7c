/*
 * probe: a step kind that lives in tests/ only (compiled into test-kind,
 * never into rdrill), written as ARCHITECTURE.md says a kind is added:
 * this one file, one row in a step_kinds[] (step-table.c beside it), and
 * its templates (templates/kind-probe.<lang>.md.mustache). If adding a
 * kind ever needs more (a name in report.c, a word in a central table),
 * test-kind fails.
 *
 *   - id: p
 *     probe: { word: hello, times: 3 }
 *
 * It says the word `times` times into its evidence and checks the count.
 */
#include "drill.h"
#include "report.h"
#include "schema.h"
#include "step.h"
#include "strbuf.h"
#include "words.h"

#include <stddef.h>
#include <string.h>

struct probe_params {
	const char *word;
	struct schema_int times;
};

static const struct schema_field probe_fields[] = {
	{ .key = "word", .type = SCHEMA_STR, .flags = SCHEMA_REQ,
	  .off = offsetof(struct probe_params, word) },
	{ .key = "times", .type = SCHEMA_INT, .def = "1",
	  .off = offsetof(struct probe_params, times) },
	{ NULL },
};

static const struct schema probe_schema = {
	"probe", probe_fields, sizeof(struct probe_params), 0, NULL };

static const struct schema_field step_fields[] = {
	{ .key = "probe", .type = SCHEMA_OBJ, .obj = &probe_schema },
	{ NULL },
};

static const char *const selectors[] = { "probe", NULL };

static void probe_describe(const struct drill_step *s, struct strbuf *out)
{
	const struct probe_params *p = s->params;

	strbuf_addf(out, "say '%s' %ld times", p->word, p->times.v);
}

static int probe_run(struct step_ctx *sc, struct error *err)
{
	const struct probe_params *p = STEP_PARAMS(sc, struct probe_params);
	struct strbuf said = STRBUF_INIT, exp = STRBUF_INIT, act = STRBUF_INIT;
	json_t *ev = json_object();
	long i;

	(void)err;
	for (i = 0; i < p->times.v; i++)
		strbuf_addf(&said, "%s%s", i ? " " : "", p->word);
	json_object_set_new(ev, "said", json_string(said.buf));
	strbuf_addf(&exp, "%ld times", p->times.v);
	strbuf_addf(&act, "%ld times", p->times.v);
	step_check(sc, "words said", exp.buf, act.buf, 1);
	strbuf_reset(&act);
	strbuf_addf(&act, "'%s' said %ld times", p->word, p->times.v);
	json_object_set_new(ev, "summary", json_string(act.buf));
	json_object_set_new(sc->rec, "evidence", ev);
	strbuf_release(&said);
	strbuf_release(&exp);
	strbuf_release(&act);
	return 0;
}

/*
 * What its view reads of its record (view_record): the evidence's
 * "said", bound by report.c before probe_view, a wrong type as absent.
 */
struct probe_evidence {
	const char *said;
};
struct probe_record {
	struct probe_evidence *evidence;
};
static const struct schema_field probe_evidence_fields[] = {
	{ .key = "said", .type = SCHEMA_STR,
	  .off = offsetof(struct probe_evidence, said) },
	{ .key = NULL },
};
static const struct schema probe_evidence_schema = {
	.what = "evidence", .fields = probe_evidence_fields,
	.size = sizeof(struct probe_evidence),
};
static const struct schema_field probe_record_fields[] = {
	{ .key = "evidence", .type = SCHEMA_OBJ, .obj = &probe_evidence_schema,
	  .off = offsetof(struct probe_record, evidence) },
	{ .key = NULL },
};
static const struct schema probe_record_schema = {
	.what = "probe record", .fields = probe_record_fields,
	.size = sizeof(struct probe_record),
};

/* Its partial's keys: what it said, the author's word, marked as such. */
static void probe_view(const struct step_view *v)
{
	const struct probe_record *r = v->vr;

	report_view_data(v->vs, "probe_said",
			 r && r->evidence ? r->evidence->said : NULL);
}

static const struct words probe_words[] = {
	{ NULL, "say '{}' {n} times", "说 {} 共 {n} 次" },
	{ NULL, "words said", "说出的次数" },
	{ NULL, "{n} times", "{n} 次" },
	{ NULL, "'{}' said {n} times", "{} 说了 {n} 次" },
	WORDS_END
};

const struct step_kind step_kind_probe = {
	.name = "probe",
	.selectors = selectors,
	.noun = "probe steps",
	.fields = step_fields,
	.params = &probe_schema,
	.params_key = "probe",
	.describe = probe_describe,
	.run = probe_run,
	.view = probe_view,
	.view_record = &probe_record_schema,
	.words = probe_words,
};
