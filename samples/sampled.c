/* sampled: three allocation sites with known byte totals and known leaks, for mtrec
 * --sample-stacks (tests/e2e/sampling.sh): a sampled trace must count them exactly and
 * estimate each site's bytes and blocks within its standard error.
 * Expected findings (mtan top / mtan leaks, full stacks):
 *   small_blocks(): 100,000 blocks of 48 bytes = 4,800,000 bytes; every 4th leaks:
 *                   25,000 blocks = 1,200,000 bytes
 *   mixed_blocks(): 10,000 blocks of 100 to 4,000 bytes (100 * (i % 40 + 1)) =
 *                   20,500,000 bytes; every 20th leaks: 500 blocks (250 of 100 and 250 of
 *                   2,100 bytes) = 550,000 bytes
 *   big_blocks():   20 blocks of 1 MiB = 20,971,520 bytes; every 5th leaks: 4 blocks =
 *                   4,194,304 bytes
 * Everything else is freed. The sites interleave, so a thread's countdown crosses them all. */
#include <stdlib.h>
#include <string.h>

#define SMALL 100000
#define MIXED 10000
#define BIG 20

__attribute__((noinline)) static char *small_blocks(void)
{
	char *p = malloc(48);
	p[0] = 1;
	return p;
}

__attribute__((noinline)) static char *mixed_blocks(int i)
{
	size_t n = (size_t)(100 * (i % 40 + 1));
	char *p = malloc(n);
	p[n - 1] = 1;
	return p;
}

__attribute__((noinline)) static char *big_blocks(void)
{
	char *p = malloc(1 << 20);
	p[0] = 1;
	return p;
}

static char *keep[SMALL / 4 + MIXED / 20 + BIG / 5];

int main(void)
{
	size_t kept = 0;
	for (int i = 0; i < SMALL; i++) {
		char *p = small_blocks();
		if (i % 4 == 0)
			keep[kept++] = p;
		else
			free(p);
		if (i % 10 == 0) {
			char *q = mixed_blocks(i / 10);
			if ((i / 10) % 20 == 0)
				keep[kept++] = q;
			else
				free(q);
		}
		if (i % 5000 == 0) {
			char *q = big_blocks();
			if ((i / 5000) % 5 == 0)
				keep[kept++] = q;
			else
				free(q);
		}
	}
	/* leaked on purpose: nothing points to them once main returns */
	memset(keep, 0, sizeof keep);
	return 0;
}
