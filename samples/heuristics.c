/* heuristics: blocks that only interior pointers reach, laid out as memcheck's leak-check
 * heuristics know them (--leak-check-heuristics=all, valgrind's default), each with a twin
 * whose layout no heuristic explains: the exit scan's HEADS, the words before an interior
 * pointer, for the scan and its oracle (tests/e2e/oracle.sh).
 * Expected findings (mtan leaks --reachable, and valgrind --leak-check=full --show-leak-kinds=all
 * --run-libc-freeres=no):
 *   still reachable: 201 bytes in 3 blocks
 *     length64     48 bytes: the size of the rest (40) first, a pointer 8 bytes in
 *     newarray     88 bytes: a count (5) that divides the rest (80) first, a pointer 8 in
 *     stdstring    65 bytes: length 10, capacity 40, refcount 0, the characters; a pointer
 *                  24 bytes in (24 + 40 + 1 = 65)
 *   possibly lost: 128 bytes in 2 blocks
 *     no count     56 bytes: 0 first, a pointer 8 bytes in
 *     no string    72 bytes: length 5, capacity 7 (24 + 7 + 1 is not 72), a pointer 24 in
 * No stdio: its buffer would be one more still-reachable block. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define NOINLINE __attribute__((noinline))

/* the only pointers to the blocks, each into its interior */
static char *volatile into[5];

/* A block of n bytes whose first words are w0, w1, w2 (as many as fit), the rest zero,
 * reached only from into[i], off bytes into it. */
NOINLINE static void plant(int i, size_t n, uint64_t w0, uint64_t w1, uint64_t w2, size_t off)
{
	uint64_t *b = malloc(n);
	if (!b)
		abort();
	memset(b, 0, n);
	b[0] = w0;
	if (n >= 16)
		b[1] = w1;
	if (n >= 24)
		b[2] = w2;
	into[i] = (char *)b + off;
}

int main(void)
{
	plant(0, 48, 40, 0, 0, 8);   /* length64 */
	plant(1, 88, 5, 0, 0, 8);    /* newarray */
	plant(2, 65, 10, 40, 0, 24); /* stdstring */
	plant(3, 56, 0, 0, 0, 8);    /* no count */
	plant(4, 72, 5, 7, 0, 24);   /* no string */
	return 0;
}
