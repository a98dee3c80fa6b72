/* meshround: a simulated 8-device mesh whose device 3 keeps a tensor every round (seed:
 * the mesh runtime of the system-buffer incident; a staircase that looks flat in time).
 * Each device opens with a 1 GiB DRAM capacity and 4 system buffers of 1 MiB. Then 20
 * rounds, each marked "round N" (N = 0..19): every device allocates a 1 MiB tensor and a
 * 256 KiB scratch buffer, and frees both, except device 3, which keeps its tensor (the
 * bug: a cache that is never evicted). At the end the program frees every tensor it kept
 * and closes the devices (closing ends the system buffers). The whole run takes well
 * under a millisecond of the program's time: only the rounds tell the staircase.
 * Expected (mtan growth): device 3 DRAM: growth, 1 MiB (1,048,576 bytes) per "round N",
 *   judged on the 20 "round N" marks, its growing site keep_tensor; devices 0-2 and 4-7
 *   DRAM: plateau (judged on the rounds too); no leaks. */
#include "mtrec.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define NDEV 8
#define ROUNDS 20
#define MIB (1ull << 20)
#define SYS_BASE 0x10000000ull
#define WORK_BASE 0x20000000ull

static uint32_t dram;

__attribute__((noinline)) static void tensor_alloc(uint32_t d, uint64_t addr, uint64_t size)
{
	mtrec_alloc(d, dram, addr, size);
}

__attribute__((noinline)) static void keep_tensor(uint32_t d, uint64_t addr)
{
	mtrec_alloc(d, dram, addr, MIB);
}

__attribute__((noinline)) static void tensor_free(uint32_t d, uint64_t addr)
{
	mtrec_free(d, dram, addr);
}

int main(void)
{
	char label[32];
	dram = mtrec_space("DRAM");
	for (uint32_t d = 0; d < NDEV; d++) {
		snprintf(label, sizeof label, "mesh%u", d);
		mtrec_device_open(d, label, 1ull << 30);
		for (uint64_t i = 0; i < 4; i++)
			tensor_alloc(d, SYS_BASE + i * MIB, MIB);
	}
	for (int r = 0; r < ROUNDS; r++) {
		snprintf(label, sizeof label, "round %d", r);
		mtrec_mark(label);
		for (uint32_t d = 0; d < NDEV; d++) {
			uint64_t t = WORK_BASE + (uint64_t)r * 2 * MIB, s = t + MIB;
			if (d == 3)
				keep_tensor(d, t);
			else
				tensor_alloc(d, t, MIB);
			tensor_alloc(d, s, 256 << 10);
			tensor_free(d, s);
			if (d != 3)
				tensor_free(d, t);
		}
	}
	for (int r = 0; r < ROUNDS; r++)
		tensor_free(3, WORK_BASE + (uint64_t)r * 2 * MIB);
	for (uint32_t d = 0; d < NDEV; d++)
		mtrec_device_close(d);
	printf("meshround: device 3 kept %d tensors until the end\n", ROUNDS);
	return 0;
}
