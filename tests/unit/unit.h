/* unit.h: the smallest test harness that reports each case as "ok NAME" or "FAIL NAME"
 * for tests/run.sh to count. A case fails on its first failed CHECK, with file:line. */
#ifndef UNIT_H
#define UNIT_H
#include <stdio.h>

static int unit_failed_now, unit_failures;

#define CHECK(cond)                                                                    \
	do {                                                                           \
		if (!(cond)) {                                                         \
			fprintf(stderr, "  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
			unit_failed_now = 1;                                           \
			return;                                                        \
		}                                                                      \
	} while (0)

#define CHECK_EQ_U(a, b)                                                               \
	do {                                                                           \
		unsigned long long a_ = (unsigned long long)(a), b_ = (unsigned long long)(b); \
		if (a_ != b_) {                                                        \
			fprintf(stderr, "  %s:%d: %s == %llu, expected %s == %llu\n", __FILE__, \
				__LINE__, #a, a_, #b, b_);                            \
			unit_failed_now = 1;                                           \
			return;                                                        \
		}                                                                      \
	} while (0)

#define RUN(fn)                                                                        \
	do {                                                                           \
		unit_failed_now = 0;                                                   \
		fn();                                                                  \
		printf("%s %s\n", unit_failed_now ? "FAIL" : "ok", #fn);              \
		fflush(stdout);                                                        \
		unit_failures += unit_failed_now;                                      \
	} while (0)

#define UNIT_EXIT() return unit_failures ? 1 : 0
#endif
