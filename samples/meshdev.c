/* meshdev: a simulated 8-device accelerator runtime (seed: system buffers after close).
 * Each device opens with a 1 GiB DRAM capacity and allocates system buffers at open:
 *   device 0: 16 DRAM buffers of 966,656 bytes (14.75 MiB) and 2 L1 buffers of 11,264 bytes
 *   devices 1-7: 10 DRAM buffers of 1,546,240 bytes (14.75 MiB) each
 * Then a workload: on every device, 50 rounds of 4 DRAM buffers of 65,536 bytes, all freed.
 * Broken variant (default): the runtime never reports freeing system buffers (they are
 *   "pre-allocated", owns_data = false); device close ends them. Expected: no leaks;
 *   released by device close: 18 blocks on device 0 (15,466,496 DRAM + 22,528 L1 bytes),
 *   10 blocks (15,462,400 bytes) on each of devices 1-7.
 * Fixed variant (--fixed): frees them before closing. Expected: no leaks, nothing
 *   released by device close. Marks: "open", "work", "close". */
#include "mtrec.h"

#include <stdio.h>
#include <string.h>

#define NDEV 8
#define DRAM_BASE 0x10000000ull
#define L1_BASE 0x100ull

int main(int argc, char **argv)
{
	int fixed = argc > 1 && !strcmp(argv[1], "--fixed");
	uint32_t dram = mtrec_space("DRAM"), l1 = mtrec_space("L1");
	uint64_t sys_end[NDEV];
	mtrec_mark("open");
	for (uint32_t d = 0; d < NDEV; d++) {
		char name[16];
		snprintf(name, sizeof name, "mesh%u", d);
		mtrec_device_open(d, name, 1ull << 30);
		uint64_t n = d == 0 ? 16 : 10, size = d == 0 ? 966656 : 1546240, a = DRAM_BASE;
		for (uint64_t i = 0; i < n; i++, a += size)
			mtrec_alloc(d, dram, a, size);
		sys_end[d] = a;
		if (d == 0)
			for (uint64_t i = 0; i < 2; i++)
				mtrec_alloc(d, l1, L1_BASE + i * 11264, 11264);
	}
	mtrec_mark("work");
	for (int round = 0; round < 50; round++)
		for (uint32_t d = 0; d < NDEV; d++) {
			for (uint64_t i = 0; i < 4; i++)
				mtrec_alloc(d, dram, sys_end[d] + i * 65536, 65536);
			for (uint64_t i = 0; i < 4; i++)
				mtrec_free(d, dram, sys_end[d] + i * 65536);
		}
	mtrec_mark("close");
	for (uint32_t d = 0; d < NDEV; d++) {
		if (fixed) {
			uint64_t n = d == 0 ? 16 : 10, size = d == 0 ? 966656 : 1546240;
			for (uint64_t i = 0; i < n; i++)
				mtrec_free(d, dram, DRAM_BASE + i * size);
			if (d == 0)
				for (uint64_t i = 0; i < 2; i++)
					mtrec_free(d, l1, L1_BASE + i * 11264);
		}
		mtrec_device_close(d);
	}
	printf("meshdev: %s\n", fixed ? "fixed" : "broken");
	return 0;
}
