/*
 * Markdown and HTML rendering of hostile strings: every helper that puts
 * untrusted text into report.md, then libcmark-gfm and the badge pass
 * over the result, and over the raw input as a whole document.
 */
#include "fuzz.h"

#include "error.h"
#include "markdown.h"
#include "strbuf.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct strbuf md = STRBUF_INIT, html = STRBUF_INIT;
	struct error err = ERROR_INIT;
	char *z = malloc(size + 1);

	if (!z)
		return 0;
	memcpy(z, data, size);
	z[size] = '\0';

	strbuf_adds(&md, "# ");
	markdown_escape_inline(&md, s, size);
	strbuf_adds(&md, "\n\n| a | b |\n| --- | --- |\n| ");
	markdown_escape_inline(&md, s, size);
	strbuf_adds(&md, " | ");
	markdown_code_span_cell(&md, s, size);
	strbuf_adds(&md, " |\n\n- ");
	markdown_code_span(&md, s, size);
	strbuf_adds(&md, " [log](");
	markdown_link_dest(&md, z);
	strbuf_adds(&md, ") `PASSED`\n");
	markdown_code_block(&md, s, size, z);
	if (markdown_to_html(md.buf, md.len, z, z, &html, &err) < 0)
		__builtin_trap();	/* only when cmark-gfm is unusable */

	strbuf_reset(&html);
	markdown_to_html(s, size, NULL, NULL, &html, &err);
	free(z);
	strbuf_release(&md);
	strbuf_release(&html);
	error_release(&err);
	return 0;
}
