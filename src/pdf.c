#include "pdf.h"
#include "error.h"
#include "exec.h"
#include "strbuf.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Debian's, Ubuntu's and Google's names for the same browser. */
static const char *const chromium_names[] = {
	"chromium", "chromium-browser", "google-chrome", NULL,
};

/* Chromium's profile (it insists on one) is thrown away after. */
static void remove_tree(const char *dir)
{
	struct exec_cmd cmd = EXEC_CMD_INIT;
	struct exec_result res = EXEC_RESULT_INIT;
	struct error err = ERROR_INIT;

	static const char *const argv[] = { "rm", "-rf", "--", NULL };
	const char *const *a;

	for (a = argv; *a; a++)
		strvec_push(&cmd.argv, *a);
	strvec_push(&cmd.argv, dir);
	cmd.timeout_ms = 60000;
	exec_run(&cmd, &res, &err);
	exec_result_release(&res);
	exec_cmd_release(&cmd);
	error_release(&err);
}

static int run_chromium(const char *prog, const char *html_url,
			const char *out, const char *profile,
			struct exec_result *res, struct error *err)
{
	struct exec_cmd cmd = EXEC_CMD_INIT;
	int ret;

	static const char *const flags[] = {
		"--headless", "--disable-gpu", "--disable-dev-shm-usage",
		"--no-pdf-header-footer", "--no-first-run",
		"--disable-extensions", NULL,
	};
	const char *const *f;

	strvec_push(&cmd.argv, prog);
	for (f = flags; *f; f++)
		strvec_push(&cmd.argv, *f);
	/* Chromium's sandbox refuses to start as root. */
	if (geteuid() == 0)
		strvec_push(&cmd.argv, "--no-sandbox");
	strvec_pushf(&cmd.argv, "--user-data-dir=%s", profile);
	strvec_pushf(&cmd.argv, "--print-to-pdf=%s", out);
	strvec_push(&cmd.argv, html_url);
	cmd.timeout_ms = 300000;
	cmd.excerpt_bytes = 2048;
	ret = exec_run(&cmd, res, err);
	exec_cmd_release(&cmd);
	return ret;
}

/* file:// URL of a path, made absolute, with what a URL reserves encoded. */
static int file_url(struct strbuf *url, const char *path, struct error *err)
{
	char *abs = realpath(path, NULL);
	const unsigned char *p;

	if (!abs)
		return error_errno(err, "cannot resolve %s", path);
	strbuf_adds(url, "file://");
	for (p = (const unsigned char *)abs; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~/", *p))
			strbuf_addch(url, (char)*p);
		else
			strbuf_addf(url, "%%%02X", *p);
	}
	free(abs);
	return 0;
}

int pdf_print(const char *html, const char *pdf, struct error *err)
{
	struct strbuf url = STRBUF_INIT, tmp = STRBUF_INIT,
	      profile = STRBUF_INIT;
	struct exec_result res = EXEC_RESULT_INIT;
	const char *only = getenv("RDRILL_CHROMIUM"), *tmpdir;
	const char *const *name;
	struct stat st;
	int fd, ret = -1, ran = 0;

	if (file_url(&url, html, err) < 0)
		goto out;
	strbuf_addf(&tmp, "%s.tmp-XXXXXX", pdf);
	fd = mkstemp(tmp.buf);
	if (fd < 0) {
		error_errno(err, "cannot create a temporary file beside %s", pdf);
		goto out;
	}
	close(fd);
	tmpdir = getenv("TMPDIR");
	strbuf_addf(&profile, "%s/rdrill-chromium.XXXXXX",
		    tmpdir && *tmpdir ? tmpdir : "/tmp");
	if (!mkdtemp(profile.buf)) {
		error_errno(err, "cannot create a directory for Chromium's "
			    "profile");
		goto unlink;
	}
	for (name = chromium_names; *name; name++) {
		const char *prog = only && *only ? only : *name;

		error_release(err);
		if (run_chromium(prog, url.buf, tmp.buf, profile.buf, &res,
				 err) == 0) {
			ran = 1;
			break;
		}
		if (!res.exec_failed || (only && *only))
			break;
	}
	remove_tree(profile.buf);
	if (!ran) {
		if (res.exec_failed) {
			error_release(err);
			error_set(err, "--pdf needs headless Chromium: %s not "
				  "found (install it, e.g. apt-get install "
				  "chromium, or name it in RDRILL_CHROMIUM)",
				  only && *only ? only :
				  "chromium, chromium-browser or google-chrome");
		}
		goto unlink;
	}
	if (res.exit_code || res.timed_out || stat(tmp.buf, &st) < 0 ||
	    st.st_size == 0) {
		error_set(err, "Chromium did not print %s (exit code %d%s): %s",
			  html, res.exit_code, res.timed_out ? ", timed out" : "",
			  res.err_tail.len ? res.err_tail.buf : res.err_head.buf);
		goto unlink;
	}
	if (chmod(tmp.buf, 0644) < 0 || rename(tmp.buf, pdf) < 0) {
		error_errno(err, "cannot write %s", pdf);
		goto unlink;
	}
	ret = 0;
	goto out;
unlink:
	unlink(tmp.buf);
out:
	exec_result_release(&res);
	strbuf_release(&url);
	strbuf_release(&tmp);
	strbuf_release(&profile);
	return ret;
}
