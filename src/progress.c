#include "progress.h"
#include "strbuf.h"
#include "utf8.h"
#include "xalloc.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct progress {
	FILE *f;
	int tty;
	pthread_t thread;
	int have_thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	int running;    /* a step is in progress */
	int quit;
	struct strbuf label;
	struct timespec t0;
};

static double elapsed(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) +
	       (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Called with the lock held. */
static void draw(struct progress *p)
{
	fprintf(p->f, "\r\033[K%s  %.0fs", p->label.buf, elapsed(&p->t0));
	fflush(p->f);
}

static void *ticker(void *arg)
{
	struct progress *p = arg;

	pthread_mutex_lock(&p->lock);
	while (!p->quit) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 1;
		pthread_cond_timedwait(&p->wake, &p->lock, &ts);
		if (p->running && !p->quit)
			draw(p);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

struct progress *progress_new(FILE *f, int tty)
{
	struct progress *p = xcalloc(1, sizeof(*p));

	p->f = f;
	p->tty = tty;
	strbuf_init(&p->label, 0);
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->wake, NULL);
	if (tty && f) {
		sigset_t all, old;

		/*
		 * SIGINT/SIGTERM must reach the main thread: its handler's
		 * flag is what stops steps, and its poll() must wake.
		 */
		sigfillset(&all);
		pthread_sigmask(SIG_BLOCK, &all, &old);
		if (!pthread_create(&p->thread, NULL, ticker, p))
			p->have_thread = 1;
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	}
	return p;
}

void progress_begin(struct progress *p, size_t i, size_t n, const char *phase,
		    const char *id)
{
	size_t start;

	if (!p || !p->f)
		return;
	pthread_mutex_lock(&p->lock);
	strbuf_reset(&p->label);
	strbuf_addf(&p->label, "[%zu/%zu] ", i, n);
	start = p->label.len;
	utf8_add_line(&p->label, phase, strlen(phase));
	while (p->label.len < start + 14)
		strbuf_addch(&p->label, ' ');
	strbuf_addch(&p->label, ' ');
	utf8_add_line(&p->label, id, strlen(id));
	clock_gettime(CLOCK_MONOTONIC, &p->t0);
	p->running = 1;
	if (p->tty) {
		draw(p);
	} else {
		fprintf(p->f, "%s ...\n", p->label.buf);
		fflush(p->f);
	}
	pthread_mutex_unlock(&p->lock);
}

void progress_end(struct progress *p, const char *status, long long ms,
		  const char *message)
{
	struct strbuf st = STRBUF_INIT, msg = STRBUF_INIT;

	if (!p || !p->f)
		return;
	utf8_add_line(&st, status ? status : "", status ? strlen(status) : 0);
	utf8_add_terminal(&msg, message ? message : "");
	pthread_mutex_lock(&p->lock);
	p->running = 0;
	fprintf(p->f, "%s%s  %s %.1fs%s%s\n", p->tty ? "\r\033[K" : "",
		p->label.buf, st.buf, (double)ms / 1000.0,
		msg.len ? "  " : "", msg.buf);
	fflush(p->f);
	pthread_mutex_unlock(&p->lock);
	strbuf_release(&st);
	strbuf_release(&msg);
}

void progress_detail(struct progress *p, const char *text)
{
	struct strbuf out = STRBUF_INIT, line = STRBUF_INIT;
	const char *s = text, *nl;

	if (!p || !p->f || !text)
		return;
	for (; *s; s = nl ? nl + 1 : s + strlen(s)) {
		nl = strchr(s, '\n');
		strbuf_reset(&line);
		strbuf_add(&line, s, nl ? (size_t)(nl - s) : strlen(s));
		strbuf_adds(&out, "      ");
		utf8_add_terminal(&out, line.buf);
		strbuf_addch(&out, '\n');
		if (!nl)
			break;
	}
	pthread_mutex_lock(&p->lock);
	fputs(out.buf, p->f);
	fflush(p->f);
	pthread_mutex_unlock(&p->lock);
	strbuf_release(&out);
	strbuf_release(&line);
}

void progress_free(struct progress *p)
{
	if (!p)
		return;
	if (p->have_thread) {
		pthread_mutex_lock(&p->lock);
		p->quit = 1;
		pthread_cond_signal(&p->wake);
		pthread_mutex_unlock(&p->lock);
		pthread_join(p->thread, NULL);
	}
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->wake);
	strbuf_release(&p->label);
	free(p);
}
