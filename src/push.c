/*
 * Pushing a drill's metrics to a Prometheus Pushgateway (push.h).
 */
#include "push.h"

#include <curl/curl.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "error.h"
#include "history.h"
#include "restored.h"
#include "xalloc.h"

#define PUSH_TIMEOUT_MS 10000L

static void gauge(struct strbuf *out, const char *name, const char *help,
		  const char *labels, double v)
{
	strbuf_addf(out, "# HELP %s %s\n# TYPE %s gauge\n%s%s %.3f\n", name,
		    help, name, name, labels, v);
}

/* Only characters the exposition format takes as they are. */
static void status_label(struct strbuf *out, const char *s)
{
	strbuf_adds(out, "{status=\"");
	for (; *s; s++)
		if (*s != '"' && *s != '\\' && *s != '\n')
			strbuf_addch(out, *s);
	strbuf_adds(out, "\"}");
}

void push_group_metrics(const struct history_drill *g, struct strbuf *out)
{
	const struct history_run *last = g->nruns ? g->runs[g->nruns - 1] : NULL;
	long long t = g->last_pass_ms, rto = -1, rpo = -1;
	struct strbuf lab = STRBUF_INIT;
	int verified = last && !strcmp(last->s.state, "verified");
	size_t i;

	for (i = 0; i < g->nruns; i++) {
		const struct run_summary *s = &g->runs[i]->s;

		if (strcmp(s->state, "verified"))
			continue;
		if (s->rto_ms >= 0)
			rto = s->rto_ms;
		if (s->rpo_ms >= 0)
			rpo = s->rpo_ms;
	}
	gauge(out, "rdrill_last_success_timestamp_seconds",
	      "Start of the last verified PASSED run (0: none).", "",
	      t < 0 ? 0 : (double)(t / 1000));
	if (rto >= 0)
		gauge(out, "rdrill_last_rto_seconds",
		      "RTO of the last verified run that measured one.", "",
		      (double)rto / 1000.0);
	if (rpo >= 0)
		gauge(out, "rdrill_last_rpo_seconds",
		      "RPO of the last verified run that measured one.", "",
		      (double)rpo / 1000.0);
	gauge(out, "rdrill_overdue",
	      "1 when the last passed run is older than the cadence.", "",
	      g->overdue);
	gauge(out, "rdrill_last_run_verified",
	      "1 when the latest bundle verifies.", "", verified);
	gauge(out, "rdrill_history_findings",
	      "Findings: runs dated in the future, signers that differ.", "",
	      (double)g->findings.nr);
	gauge(out, "rdrill_refused_runs",
	      "Verified REFUSED runs (a gate stopped them, nothing ran): "
	      "apart from the drill's record.", "", (double)g->nrefused);
	gauge(out, "rdrill_not_restored",
	      "1 when the latest run left its system destroyed (NOT RESTORED).",
	      "", last && !strcmp(last->s.status, RESTORED_WORD));
	t = clock_parse_utc_ms(last ? last->s.started : "");
	gauge(out, "rdrill_last_run_timestamp_seconds",
	      "Start of the latest run, whatever its verdict.", "",
	      t < 0 ? 0 : (double)(t / 1000));
	/* A bundle that does not verify is no verdict at all. */
	status_label(&lab, !verified ? "UNVERIFIED" : last->s.status);
	gauge(out, "rdrill_last_run_status",
	      "1, labelled with the latest run's verdict.", lab.buf, 1);
	gauge(out, "rdrill_cadence_seconds",
	      "How often the drill must pass.", "", (double)g->cadence_s);
	strbuf_release(&lab);
}

void push_url_safe(const char *url, struct strbuf *out)
{
	const char *scheme = strstr(url, "://");
	const char *host = scheme ? scheme + 3 : url;
	const char *slash = strchr(host, '/');
	const char *at = strchr(host, '@');

	if (at && (!slash || at < slash)) {
		strbuf_add(out, url, (size_t)(host - url));
		strbuf_adds(out, at + 1);
	} else {
		strbuf_adds(out, url);
	}
}

/* "/NAME@base64/VALUE", base64url (RFC 4648 section 5). */
static void add_label(struct strbuf *sb, const char *name, const char *v)
{
	size_t n = strlen(v), i;
	unsigned char *b = xmalloc(4 * ((n + 2) / 3) + 1);

	strbuf_addf(sb, "/%s@base64/", name);
	if (!n) {
		/* The Pushgateway's spelling of an empty value. */
		strbuf_addch(sb, '=');
	} else {
		int len = EVP_EncodeBlock(b, (const unsigned char *)v, (int)n);
		for (i = 0; i < (size_t)len; i++)
			strbuf_addch(sb, b[i] == '+' ? '-' : b[i] == '/' ?
				     '_' : b[i]);
	}
	free(b);
}

static size_t discard(char *p, size_t size, size_t n, void *u)
{
	(void)p;
	(void)u;
	return size * n;
}

int push_send(const char *url, const char *drill, const char *env,
	      const char *host, const struct strbuf *body, struct error *err)
{
	struct strbuf full = STRBUF_INIT, safe = STRBUF_INIT;
	char ebuf[CURL_ERROR_SIZE] = "";
	struct curl_slist *hdr = NULL;
	CURL *c;
	CURLcode cc;
	long code = 0;
	int rc = -1;

	strbuf_adds(&full, url);
	while (full.len && full.buf[full.len - 1] == '/')
		strbuf_setlen(&full, full.len - 1);
	strbuf_adds(&full, "/metrics/job/rdrill");
	add_label(&full, "drill", drill);
	add_label(&full, "environment", env);
	add_label(&full, "host", host);
	push_url_safe(url, &safe);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK ||
	    !(c = curl_easy_init())) {
		error_set(err, "push to %s: libcurl could not start", safe.buf);
		goto out;
	}
	hdr = curl_slist_append(hdr, "Content-Type: text/plain; version=0.0.4");
	curl_easy_setopt(c, CURLOPT_URL, full.buf);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body->buf);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)body->len);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, PUSH_TIMEOUT_MS);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ebuf);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	cc = curl_easy_perform(c);
	if (cc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	if (cc != CURLE_OK)
		error_set(err, "push to %s failed: %s", safe.buf,
			  ebuf[0] ? ebuf : curl_easy_strerror(cc));
	else if (code < 200 || code > 299)
		error_set(err, "push to %s: HTTP %ld", safe.buf, code);
	else
		rc = 0;
	curl_slist_free_all(hdr);
	curl_easy_cleanup(c);
	curl_global_cleanup();
out:
	strbuf_release(&full);
	strbuf_release(&safe);
	return rc;
}
