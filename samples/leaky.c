/* leaky: a program with planted leaks from two distinct sites.
 * Expected findings (mtan leaks):
 *   leak_config(): 5 blocks of 48 bytes = 240 bytes, innermost program frame leak_config
 *   leak_buffers(): 3 blocks of 1000 bytes = 3000 bytes, innermost program frame leak_buffers
 * Everything else is freed: 100 temporaries, a realloc chain, a calloc'd table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__attribute__((noinline)) static void *leak_config(int i)
{
	char *p = malloc(48);
	snprintf(p, 48, "config-%d", i);
	return p;
}

__attribute__((noinline)) static void *leak_buffers(void)
{
	char *p = malloc(1000);
	memset(p, 1, 1000);
	return p;
}

__attribute__((noinline)) static void churn(void)
{
	for (int i = 0; i < 100; i++) {
		volatile char *p = malloc((size_t)(16 + i));
		p[0] = 1;
		free((void *)p);
	}
	char *r = NULL;
	for (int i = 1; i <= 10; i++)
		r = realloc(r, (size_t)i * 100);
	free(r);
	int *t = calloc(64, sizeof(int));
	free(t);
}

/* volatile bounds keep the compiler from unrolling the loops into several call sites */
static volatile int n_config = 5, n_buffers = 3;

int main(void)
{
	churn();
	for (int i = 0; i < n_config; i++)
		if (!leak_config(i))
			return 1;
	for (int i = 0; i < n_buffers; i++)
		if (!leak_buffers())
			return 1;
	printf("leaky: done\n");
	return 0;
}
