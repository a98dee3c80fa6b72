/* client: a simulated accelerator runtime reporting through the client API (mtrec.h).
 * Built twice, as PIE and -no-pie, since the API resolves differently in each.
 * Expected, in one process:
 *   device 0 "sim0" (capacity 1 MiB), space "DRAM": 4 blocks allocated at 0x1000, 0x2000,
 *     0x3000, 0x4000 of 256 bytes each; 0x2000 freed; the device is closed with 3 blocks
 *     live (released by device close, never leaks)
 *   device 1 "sim1", space "L1": 1 block of 64 bytes at 0x100, never freed (a leak)
 *   marks "start" and "end"; the host heap: one 32-byte malloc freed
 * Without mtrec every call is a no-op (it then prints "spaces 0 0"). */
#include "mtrec.h"

#include <stdio.h>
#include <stdlib.h>

int main(void)
{
	mtrec_mark("start");
	mtrec_device_open(0, "sim0", 1 << 20);
	mtrec_device_open(1, "sim1", 0);
	uint32_t dram = mtrec_space("DRAM"), l1 = mtrec_space("L1");
	for (uint64_t a = 0x1000; a <= 0x4000; a += 0x1000)
		mtrec_alloc(0, dram, a, 256);
	uint64_t s = mtrec_seq(); /* as an allocator would, inside its lock */
	mtrec_free_seq(s, 0, dram, 0x2000);
	mtrec_alloc(1, l1, 0x100, 64);
	void *p = malloc(32);
	free(p);
	mtrec_device_close(0);
	mtrec_mark("end");
	printf("client: spaces %u %u\n", dram, l1);
	return 0;
}
