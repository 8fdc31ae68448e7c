#include "rdrill.h"

int cmd_verify(int argc, char **argv)
{
	(void)argc;
	return rdrill_usage_error(argv[0], "not implemented yet");
}
