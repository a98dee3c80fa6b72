/* bufpool: a render loop's GPU buffer pool (seed: the leaking TransientBufferPool).
 * Device 0 "gpu0" (capacity 256 MiB), space "pool:instances". 200 frames, about 2 ms
 * each, marked "frame"; each frame takes one buffer from the pool for its batch, whose
 * size grows every 10th frame by 4 KiB (from 64 KiB): when the pooled buffer is too small
 * a new one is created.
 * Leaky variant (default): the too-small buffer is abandoned, never returned nor freed:
 *   19 buffers abandoned (leaked at exit: the runtime never closes the device), 1,945,600
 *   bytes (64 KiB, 68 KiB, ... 136 KiB), and live bytes grow all run long: growth.
 * Fixed variant (--fixed): the too-small buffer is freed: live bytes stay at one buffer:
 *   plateau, no leak. At the end the pool frees what it holds. */
#include "mtrec.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

int main(int argc, char **argv)
{
	int fixed = argc > 1 && !strcmp(argv[1], "--fixed");
	mtrec_device_open(0, "gpu0", 256ull << 20);
	uint32_t pool = mtrec_space("pool:instances");
	uint64_t next = 0x100000, have_addr = 0, have_size = 0;
	int abandoned = 0;
	for (int frame = 0; frame < 200; frame++) {
		mtrec_mark("frame");
		uint64_t need = 65536 + (uint64_t)(frame / 10) * 4096;
		if (have_size < need) {
			if (have_addr) {
				if (fixed)
					mtrec_free(0, pool, have_addr);
				else
					abandoned++; /* the leak: dropped on the floor */
			}
			have_addr = next;
			have_size = need;
			next += need;
			mtrec_alloc(0, pool, have_addr, have_size);
		}
		struct timespec ts = {0, 2000000};
		nanosleep(&ts, NULL);
	}
	mtrec_free(0, pool, have_addr);
	printf("bufpool: %s, %d abandoned\n", fixed ? "fixed" : "leaky", abandoned);
	return 0;
}
