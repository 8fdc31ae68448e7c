#include "rdrill.h"

int cmd_plan(int argc, char **argv)
{
	(void)argc;
	return rdrill_usage_error(argv[0], "not implemented yet");
}
