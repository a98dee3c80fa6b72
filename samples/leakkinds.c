/* leakkinds: one planted block (or group) of each leak kind memcheck knows, with sizes that
 * tell them apart, for the reachability scan and its oracle (tests/e2e/oracle.sh).
 * Expected findings (mtan leaks --reachable, and valgrind --leak-check=full --show-leak-kinds=all
 * --run-libc-freeres=no):
 *   definitely lost: 212 bytes in 3 blocks
 *     drop_pointer()    100 bytes: its only pointer is overwritten
 *     lose_node()        64 bytes: a node no root reaches (it holds the block below)
 *     make_cycle()       48 bytes: one block of a three-block cycle no root reaches (the
 *                        first in address order, as memcheck picks it; all three are 48)
 *   indirectly lost: 296 bytes in 3 blocks
 *     lose_node()       200 bytes: reached only from the lost node
 *     make_cycle()       96 bytes: the two other blocks of the cycle
 *   possibly lost: 704 bytes in 3 blocks (valgrind: 704; mtrec: 16 bytes more per thread per
 *                  preloaded library using TLS, README "Limits")
 *     interior_only()   128 bytes: a global points 16 bytes into it (zeroed, so none of
 *                        memcheck's heuristics takes the pointer for a known layout)
 *     pthread_create()  2 blocks of 288 bytes: glibc's TLS vector (DTV, allocate_dtv) of each
 *                        thread, (TLS modules + 16) * 16 bytes on glibc 2.36 x86-64; the thread
 *                        descriptor points to its second entry, an interior pointer
 *   still reachable: 1,200 bytes in 3 blocks
 *     hold_on_stack()   300 bytes: only a local of a thread blocked in read() when main returns
 *     hold_in_tls()     400 bytes: only a __thread variable of a thread also still blocked
 *     hold_global()     500 bytes: a global pointer
 * No stdio: its buffer would be one more still-reachable block. Every lost pointer is
 * overwritten, and the stack below main is scrubbed, so no stale copy keeps a block reachable. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))

/* stores go through a volatile so the compiler keeps every allocation */
static void *volatile sink;
static char *volatile interior;    /* points 16 bytes into a block */
static void *volatile global_hold; /* a plain global root */
static __thread void *volatile tls_hold;
static int ready[2], never[2]; /* threads say they are set; then read from a pipe nobody writes */

NOINLINE static void *plant(size_t n)
{
	void *p = malloc(n);
	if (!p)
		_exit(1);
	memset(p, 0, n);
	return p;
}

NOINLINE static void drop_pointer(void)
{
	sink = plant(100);
	sink = NULL;
}

NOINLINE static void lose_node(void)
{
	void **node = plant(64);
	node[0] = plant(200);
	sink = node;
	sink = NULL;
}

NOINLINE static void make_cycle(void)
{
	void **a = plant(48), **b = plant(48), **c = plant(48);
	a[0] = b;
	b[0] = c;
	c[0] = a;
	sink = a;
	sink = NULL;
}

NOINLINE static void interior_only(void)
{
	interior = (char *)plant(128) + 16;
}

NOINLINE static void hold_global(void)
{
	global_hold = plant(500);
}

NOINLINE static void hold_in_tls(void)
{
	tls_hold = plant(400);
}

/* overwrites the stack below the caller, where the planting functions' frames were (the
 * asm keeps the compiler from dropping stores to a buffer nobody reads) */
NOINLINE static void scrub_stack(void)
{
	char buf[16384];
	memset(buf, 0, sizeof buf);
	__asm__ volatile("" : : "r"(buf) : "memory");
}

NOINLINE static void block_forever(void)
{
	char c;
	write(ready[1], "x", 1);
	while (read(never[0], &c, 1) != 0)
		;
}

NOINLINE static void *hold_on_stack(void *arg)
{
	void *volatile held = plant(300); /* this local is the block's only root */
	(void)arg;
	block_forever();
	return held;
}

static void *tls_thread(void *arg)
{
	(void)arg;
	hold_in_tls();
	scrub_stack();
	block_forever();
	return NULL;
}

int main(void)
{
	pthread_t t1, t2;
	char c;
	if (pipe(ready) || pipe(never))
		return 1;
	if (pthread_create(&t1, NULL, hold_on_stack, NULL) || pthread_create(&t2, NULL, tls_thread, NULL))
		return 1;
	drop_pointer();
	lose_node();
	make_cycle();
	interior_only();
	hold_global();
	for (int i = 0; i < 2; i++)
		if (read(ready[0], &c, 1) != 1)
			return 1;
	scrub_stack();
	/* both threads are still blocked in read() when main returns */
	write(1, "leakkinds: done\n", 16);
	return 0;
}
