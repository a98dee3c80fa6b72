/* allocapi: every function of the C allocation API, including calls that fail.
 * Expected (host heap, this program's own calls; libc adds stdio's buffer when printing):
 *   allocations that succeed, each leaked once so the site is visible:
 *     early_leak()      77 bytes   from a constructor that runs before main
 *     malloc            10, calloc 4x25=100, realloc(NULL, 30) 30, reallocarray(NULL,5,8) 40,
 *     posix_memalign    64-aligned 200, aligned_alloc 128-aligned 256, memalign 32-aligned 300,
 *     valloc            400, pvalloc 500
 *   freed: realloc(p, 0) frees p (1 alloc + 1 free), a grown block (2 allocs, 2 frees)
 *   failures that record nothing: calloc and reallocarray overflows, malloc(SIZE_MAX),
 *     posix_memalign with a bad alignment, free(NULL), a failed realloc (old block stays)
 * Exit 0 when every call behaved as glibc documents. */
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static void *keep[32];
/* volatile: the compiler must not see (and refuse) the impossible sizes */
static volatile size_t half = SIZE_MAX / 2, huge = SIZE_MAX, almost = SIZE_MAX - 4096;
static int nkeep, bad;

static void hold(void *p)
{
	if (!p)
		bad = 1;
	keep[nkeep++] = p;
}

__attribute__((noinline)) static void early_leak(void) { hold(malloc(77)); }
__attribute__((constructor)) static void early(void) { early_leak(); }

int main(void)
{
	hold(malloc(10));
	hold(calloc(4, 25));
	hold(realloc(NULL, 30));
	hold(reallocarray(NULL, 5, 8));
	void *p = NULL;
	if (posix_memalign(&p, 64, 200) != 0)
		bad = 1;
	hold(p);
	hold(aligned_alloc(128, 256));
	hold(memalign(32, 300));
	hold(valloc(400));
	hold(pvalloc(500));

	char *z = malloc(20);
	if (realloc(z, 0) != NULL) /* glibc frees z and returns NULL */
		bad = 1;
	char *g = malloc(16);
	g = realloc(g, 64);
	free(g);

	if (calloc(half, 4) != NULL || reallocarray(NULL, half, 4) != NULL)
		bad = 1;
	if (malloc(huge) != NULL)
		bad = 1;
	void *q = NULL;
	if (posix_memalign(&q, 3, 10) != EINVAL)
		bad = 1;
	free(NULL);
	char *volatile r = malloc(8);
	if (realloc(r, almost) != NULL) /* fails: r stays live */
		bad = 1;
	free(r);
	printf("allocapi: %s\n", bad ? "unexpected" : "ok");
	return bad;
}
