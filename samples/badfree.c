/* badfree: a device allocator's bookkeeping frees what it does not own (seed: unmatched and
 * double frees). Device 0 "bad0", space "DRAM", through the client API (a heap free()
 * of a bad pointer would abort in glibc before the recorder could report it).
 * Broken variant (default): expected `mtan frees`, in seq order:
 *   3 unmatched frees, from release_unknown(), of 0xdead0000, 0xdead1000, 0xdead2000:
 *     addresses never allocated (no earlier block there);
 *   2 double frees, from release_twice(), of 0x1000 (a block of 256 bytes) and 0x2000
 *     (512 bytes): the nearest earlier block is generation 1, freed once already.
 *   No leaks on the device, no race, no other anomaly.
 * Fixed variant (--fixed): each block freed once, nothing else: no findings. */
#include "mtrec.h"

#include <stdio.h>
#include <string.h>

static uint32_t dram;

__attribute__((noinline)) static void acquire(uint64_t addr, uint64_t size)
{
	mtrec_alloc(0, dram, addr, size);
}

__attribute__((noinline)) static void release(uint64_t addr)
{
	mtrec_free(0, dram, addr);
}

__attribute__((noinline)) static void release_unknown(uint64_t addr)
{
	mtrec_free(0, dram, addr);
}

__attribute__((noinline)) static void release_twice(uint64_t addr)
{
	mtrec_free(0, dram, addr);
}

int main(int argc, char **argv)
{
	int fixed = argc > 1 && !strcmp(argv[1], "--fixed");
	mtrec_device_open(0, "bad0", 1 << 20);
	dram = mtrec_space("DRAM");
	acquire(0x1000, 256);
	acquire(0x2000, 512);
	release(0x1000);
	release(0x2000);
	if (!fixed) {
		for (uint64_t i = 0; i < 3; i++)
			release_unknown(0xdead0000 + i * 0x1000);
		release_twice(0x1000);
		release_twice(0x2000);
	}
	mtrec_device_close(0);
	printf("badfree: %s\n", fixed ? "fixed" : "broken");
	return 0;
}
