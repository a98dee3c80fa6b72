/* fragpool: a device pool left with holes (known fragmentation).
 * Device 0 "pool0", capacity 1 MiB, space "DRAM": 16 blocks of 64 KiB fill it; then
 * every other block is freed, leaving at mark "holes":
 *   live 524,288 bytes, free 524,288 bytes, 8 holes of 65,536 bytes, largest free 65,536,
 *   external fragmentation 1 - 65,536 / 524,288 = 0.875.
 * Compacting variant (--compact): frees the upper half instead: one hole of 524,288
 *   bytes, external fragmentation 0.
 * Afterwards everything is freed and the device closed (no leaks). */
#include "mtrec.h"

#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	int compact = argc > 1 && !strcmp(argv[1], "--compact");
	mtrec_device_open(0, "pool0", 1 << 20);
	uint32_t dram = mtrec_space("DRAM");
	for (uint64_t i = 0; i < 16; i++)
		mtrec_alloc(0, dram, i * 65536, 65536);
	for (uint64_t i = 0; i < 16; i++)
		if (compact ? i >= 8 : i % 2 == 1)
			mtrec_free(0, dram, i * 65536);
	mtrec_mark("holes");
	for (uint64_t i = 0; i < 16; i++)
		if (compact ? i < 8 : i % 2 == 0)
			mtrec_free(0, dram, i * 65536);
	mtrec_device_close(0);
	printf("fragpool: %s\n", compact ? "compact" : "holes");
	return 0;
}
