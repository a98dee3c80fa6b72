/* meshhold: a 4-device mesh whose application keeps one tensor until the devices close
 * (seed 000's device close, with an application tensor among the system buffers).
 * Each device opens with a 1 GiB DRAM capacity and allocates its system buffers (setup):
 *   devices 0-3: 8 DRAM buffers of 1,048,576 bytes (8,388,608 bytes) at 0x10000000 up;
 *   device 0 also 2 L1 buffers of 16,384 bytes (32,768 bytes) at 0x100.
 * Devices 0 and 1 end their setup with mtrec_device_ready(); devices 2 and 3 do not, so
 * theirs ends at the first mark after they opened ("work").
 * Work: 20 rounds of 2 DRAM tensors of 262,144 bytes per device, all freed. In round 5,
 * keep_tensor() allocates a 4,194,304-byte tensor on device 1 (at 0x20000000) and the
 * program never frees it. Marks: "open", "work", "close".
 * Default (held): expected no leaks (stdio's buffer aside); held to close (the suspect):
 *   1 block of 4,194,304 bytes on device 1 DRAM, allocated in keep_tensor(); released by
 *   device close as the baseline: 10 blocks (8,421,376 bytes) on device 0 and 8 blocks
 *   (8,388,608 bytes) on each of devices 1-3; `mtan check --fail-held` fails (exit 1).
 * --fixed: frees the tensor before the close: nothing held, the same baseline released,
 *   and `mtan check --fail-held` passes. */
#include "mtrec.h"

#include <stdio.h>
#include <string.h>

#define NDEV 4
#define DRAM_BASE 0x10000000ull
#define SYS_BUF 1048576ull
#define L1_BASE 0x100ull
#define TENSOR 262144ull
#define HELD_ADDR 0x20000000ull
#define HELD_SIZE 4194304ull

static uint32_t dram, l1;

__attribute__((noinline)) static void keep_tensor(uint32_t device)
{
	mtrec_alloc(device, dram, HELD_ADDR, HELD_SIZE);
}

__attribute__((noinline)) static void setup(uint32_t d)
{
	char name[16];
	snprintf(name, sizeof name, "mesh%u", d);
	mtrec_device_open(d, name, 1ull << 30);
	for (uint64_t i = 0; i < 8; i++)
		mtrec_alloc(d, dram, DRAM_BASE + i * SYS_BUF, SYS_BUF);
	if (d == 0)
		for (uint64_t i = 0; i < 2; i++)
			mtrec_alloc(d, l1, L1_BASE + i * 16384, 16384);
	if (d < 2)
		mtrec_device_ready(d);
}

int main(int argc, char **argv)
{
	int fixed = argc > 1 && !strcmp(argv[1], "--fixed");
	dram = mtrec_space("DRAM");
	l1 = mtrec_space("L1");
	mtrec_mark("open");
	for (uint32_t d = 0; d < NDEV; d++)
		setup(d);
	mtrec_mark("work");
	uint64_t work = DRAM_BASE + 8 * SYS_BUF;
	for (int round = 0; round < 20; round++) {
		for (uint32_t d = 0; d < NDEV; d++) {
			mtrec_alloc(d, dram, work, TENSOR);
			mtrec_alloc(d, dram, work + TENSOR, TENSOR);
			if (round == 5 && d == 1)
				keep_tensor(d);
			mtrec_free(d, dram, work + TENSOR);
			mtrec_free(d, dram, work);
		}
	}
	mtrec_mark("close");
	if (fixed)
		mtrec_free(1, dram, HELD_ADDR);
	for (uint32_t d = 0; d < NDEV; d++)
		mtrec_device_close(d);
	printf("meshhold: %s\n", fixed ? "fixed" : "held");
	return 0;
}
