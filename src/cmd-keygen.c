#include "error.h"
#include "fsutil.h"
#include "rdrill.h"
#include "secret.h"
#include "sign.h"
#include "strbuf.h"

#include <stdio.h>

/*
 * rdrill keygen DIR: an Ed25519 key pair for signing seals,
 * DIR/rdrill-sign.key (mode 0600, for `run --sign-key` or
 * RDRILL_SIGN_KEY) and DIR/rdrill-sign.pub (for `verify --key`). The
 * same as `openssl genpkey -algorithm ed25519 -out KEY` and
 * `openssl pkey -in KEY -pubout -out PUB`. A missing DIR is created
 * (mode 0700).
 */
int cmd_keygen(int argc, char **argv)
{
	struct error err = ERROR_INIT;
	struct strbuf priv = STRBUF_INIT, pub = STRBUF_INIT;
	int rc = RDRILL_EXIT_OK;

	if (argc != 2 || argv[1][0] == '-')
		return rdrill_usage_error(argv[0], "give one directory");
	secret_protect_process();     /* before the private key is made */
	/* A new directory for a private key: the owner's alone. */
	if (fs_mkdirs(argv[1], 0700, &err) < 0 ||
	    sign_keygen(argv[1], &priv, &pub, &err) < 0) {
		rdrill_print_error(&err);
		rc = RDRILL_EXIT_FAILED;
	} else {
		printf("%s\n%s\n", priv.buf, pub.buf);
	}
	strbuf_release(&priv);
	strbuf_release(&pub);
	error_release(&err);
	return rc;
}
