/* scanheap: the exit scan's workload in bench/run.sh. Allocates BLOCKS blocks (default
 * 1,048,576) of SIZE bytes (default 1 KiB, so 1 GiB live), chained into one list that a
 * global reaches: each block's first word points to the next, in an order shuffled with a
 * fixed seed (the pointers go anywhere in the heap, as in a real program's), its other words
 * hold data that points nowhere (small integers). Then it returns from main with all of them
 * live, so the scan at exit reads every word of every block and finds every block still
 * reachable, through a chain a million blocks deep.
 * Usage: scanheap [BLOCKS [SIZE]]. Prints one line; exit 2 on bad arguments. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static void **volatile root; /* the list's head: the only root */

static unsigned long arg(const char *s, unsigned long min)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);
	if (*s == 0 || *end != 0 || v < min) {
		fprintf(stderr, "usage: scanheap [BLOCKS [SIZE]] (SIZE at least %zu)\n", 2 * sizeof(void *));
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	unsigned long blocks = argc > 1 ? arg(argv[1], 1) : 1UL << 20;
	unsigned long size = argc > 2 ? arg(argv[2], 2 * sizeof(void *)) : 1024;
	size_t words = size / sizeof(void *);
	void ***all = malloc(blocks * sizeof(*all)); /* freed before the end: no root */
	if (!all) {
		fprintf(stderr, "scanheap: out of memory\n");
		return 1;
	}
	for (unsigned long i = 0; i < blocks; i++) {
		void **b = malloc(size);
		if (!b) {
			fprintf(stderr, "scanheap: out of memory after %lu blocks\n", i);
			return 1;
		}
		for (size_t w = 1; w < words; w++)
			b[w] = (void *)(uintptr_t)(i * words + w);
		all[i] = b;
	}
	/* Fisher-Yates with xorshift64, fixed seed: every run links the same order */
	uint64_t x = 88172645463325252ULL;
	for (unsigned long i = blocks - 1; i > 0; i--) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		unsigned long j = (unsigned long)(x % (i + 1));
		void **t = all[i];
		all[i] = all[j];
		all[j] = t;
	}
	for (unsigned long i = 0; i + 1 < blocks; i++)
		all[i][0] = all[i + 1];
	all[blocks - 1][0] = NULL;
	root = all[0];
	free(all);
	printf("scanheap: %lu blocks of %lu bytes live\n", blocks, size);
	return 0;
}
