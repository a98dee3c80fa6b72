/* scanheap: the exit scan's workload in bench/run.sh. Allocates BLOCKS blocks (default
 * 1,048,576) of SIZE bytes (default 1 KiB, so 1 GiB live), chained into one list that a
 * global reaches: each block's first word points to the next, its other words hold data
 * that points nowhere (small integers). Then it returns from main with all of them live, so
 * the scan at exit reads every word of every block and finds every block still reachable,
 * through a chain a million blocks deep.
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
	void **prev = NULL;
	/* built from the tail, so the head is the last allocated and the list runs backwards
	 * through memory: a scan cannot get its order for free from the addresses */
	for (unsigned long i = 0; i < blocks; i++) {
		void **b = malloc(size);
		if (!b) {
			fprintf(stderr, "scanheap: out of memory after %lu blocks\n", i);
			return 1;
		}
		b[0] = prev;
		for (size_t w = 1; w < words; w++)
			b[w] = (void *)(uintptr_t)(i * words + w);
		prev = b;
	}
	root = prev;
	printf("scanheap: %lu blocks of %lu bytes live\n", blocks, size);
	return 0;
}
