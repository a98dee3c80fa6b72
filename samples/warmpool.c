/* warmpool: a render loop's pool of instance buffers that warms up, then stays flat (seed:
 * the TransientBufferPool after its fix), and its leaking twin (the pool before it).
 * Device 0 "gpu0" (capacity 64 MiB), space "pool:instances"; 200 frames of about 1 ms,
 * each marked "frame". Frame f uses min(f / 2 + 1, 40) buffers of 64 KiB at once, taken
 * from the pool and given back at the frame's end; the pool creates a buffer (pool_grow)
 * only when it has none free, and keeps every buffer until shutdown. So the pool fills
 * during the first 78 frames (39% of the run) and then holds 40 buffers, 2,621,440 bytes,
 * for the last 61% without allocating anything. Each frame also mallocs and frees a
 * scratch buffer on the host heap. At the end the pool frees its buffers and the device
 * closes.
 * Expected (mtan growth): device 0 pool:instances: plateau, judged on the "frame" marks,
 *   reached at frame 78 (39% of the run); the host heap: plateau. Run after run the same.
 * Leaky twin (--leak): from frame 100 on, each frame one buffer taken from the pool is
 *   never given back (lost), so the pool creates one more per frame: 100 buffers, 6,553,600
 *   bytes, lost by the end. Expected: device 0 pool:instances: growth, 64 KiB per
 *   "frame", its growing site pool_grow; still no leak (the pool frees what it created). */
#include "mtrec.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FRAMES 200
#define MAX_USE 40
#define BUF 65536
#define MAX_BUFS (MAX_USE + FRAMES)

static uint64_t bufs[MAX_BUFS];  /* every buffer the pool created */
static int is_free[MAX_BUFS];    /* 1: in the pool, ready to hand out */
static int nbufs;
static uint32_t space;

__attribute__((noinline)) static int pool_grow(void)
{
	bufs[nbufs] = 0x1000000ull + (uint64_t)nbufs * BUF;
	mtrec_alloc(0, space, bufs[nbufs], BUF);
	return nbufs++;
}

__attribute__((noinline)) static int pool_take(void)
{
	for (int i = 0; i < nbufs; i++)
		if (is_free[i]) {
			is_free[i] = 0;
			return i;
		}
	return pool_grow();
}

__attribute__((noinline)) static void pool_give(int i)
{
	is_free[i] = 1;
}

__attribute__((noinline)) static void pool_destroy(void)
{
	for (int i = 0; i < nbufs; i++)
		mtrec_free(0, space, bufs[i]);
	nbufs = 0;
}

__attribute__((noinline)) static char *scratch(void)
{
	return malloc(4096);
}

int main(int argc, char **argv)
{
	int leak = argc > 1 && !strcmp(argv[1], "--leak");
	int lost = 0;
	mtrec_device_open(0, "gpu0", 64ull << 20);
	space = mtrec_space("pool:instances");
	for (int f = 0; f < FRAMES; f++) {
		mtrec_mark("frame");
		int use = f / 2 + 1 < MAX_USE ? f / 2 + 1 : MAX_USE, held[MAX_USE];
		for (int k = 0; k < use; k++)
			held[k] = pool_take();
		char *s = scratch();
		if (s)
			memset(s, f, 4096);
		free(s);
		struct timespec ts = {0, 1000000};
		nanosleep(&ts, NULL);
		for (int k = 0; k < use; k++)
			if (leak && f >= 100 && k == 0)
				lost++; /* the leak: dropped, never given back */
			else
				pool_give(held[k]);
	}
	pool_destroy();
	mtrec_device_close(0);
	printf("warmpool: %s, %d buffers created, %d lost\n", leak ? "leaky" : "flat", MAX_USE + lost, lost);
	return 0;
}
