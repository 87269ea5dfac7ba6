/* check.h: what every unit test program shares: a failure count and CHECK. */
#ifndef KLUIS_CHECK_H
#define KLUIS_CHECK_H

#include <stdio.h>

static int failures;

/* CHECK: report COND by its text and line when it does not hold. */
#define CHECK(cond) do {						\
	if (!(cond)) {							\
		printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);	\
		failures++;						\
	}								\
} while (0)

/* check_done: the exit status of the test program: 0 when nothing failed. */
static inline int
check_done(void)
{
	return failures != 0;
}

#endif
