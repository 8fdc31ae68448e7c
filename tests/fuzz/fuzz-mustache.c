/*
 * The Mustache engine. Input: a template, optionally followed by a NUL
 * byte and the JSON data to render it with (a fixed view otherwise). The
 * template is also the partial "self", so recursion is exercised.
 */
#include "fuzz.h"

#include "error.h"
#include "markdown.h"
#include "mustache.h"
#include "strbuf.h"

#include <string.h>

static const char view[] =
	"{\"title\":\"T <&> \\\"x\\\"\",\"n\":3,\"r\":1.21,\"t\":true,"
	"\"f\":false,\"z\":null,\"list\":[{\"a\":1},{\"a\":\"two\"},3],"
	"\"obj\":{\"a\":{\"b\":{\"c\":\"deep\"}}},\"empty\":[]}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *tmpl = (const char *)data;
	const uint8_t *nul = memchr(data, 0, size);
	size_t tlen = nul ? (size_t)(nul - data) : size;
	json_t *ctx, *partials;
	struct mustache_opts opts = { NULL, NULL, NULL, NULL };
	struct strbuf out = STRBUF_INIT;
	struct error err = ERROR_INIT;

	if (nul)
		ctx = json_loadb((const char *)nul + 1, size - tlen - 1,
				 JSON_DECODE_ANY, NULL);
	else
		ctx = json_loads(view, 0, NULL);
	partials = json_object();
	json_object_set_new(partials, "self", json_stringn(tmpl, tlen));
	json_object_set_new(partials, "x", json_string("{{title}}{{#list}}{{a}}{{/list}}"));
	opts.partials = partials;
	mustache_render(tmpl, tlen, ctx, &opts, &out, &err);
	/* The report's escaping, too. */
	opts.escape = markdown_escape_inline;
	strbuf_reset(&out);
	mustache_render(tmpl, tlen, ctx, &opts, &out, &err);
	strbuf_release(&out);
	error_release(&err);
	json_decref(partials);
	json_decref(ctx);
	return 0;
}
