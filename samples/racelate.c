/* racelate: seed 001's tracking race in both late forms. Two threads, T1 and T2, share one
 * device allocator (device 0 "sim0", space "DRAM"); barriers force each interleaving, so it
 * happens every time. T1's blocks are 256 bytes, T2's 512.
 * late_alloc, 3 rounds at 0x1000, 0x2000, 0x3000: T1 gets X from the allocator and hands
 *   it on before reporting; T2 frees X and reports the free, gets X again and reports that;
 *   T1 reports its allocation last. Expected: a late_alloc race per address whose late
 *   report is T1's allocation (late_tid T1, late_seq its seq, the highest of the three);
 *   the reuse is T2's allocation; T1's block is freed by T2's free and ends where its
 *   report put it (end_seq = alloc_seq), never before; T2's block lives until T2 frees it.
 * late_free, 3 rounds at 0x11000, 0x12000, 0x13000: T1 gets Y and reports it; T1 frees Y
 *   but before it reports the free, T2 gets Y and reports; T1 reports its free last.
 *   Expected: a late_free race per address whose late report is T1's free (late_tid T1,
 *   late_seq = free_seq); T1's block ends where T2's begins.
 * Each round ends with every block freed, so one block is live at a time: the device's
 *   peak is 512 bytes (a repair never counts a late block beside its reuse).
 * Racy (default): reports take their number when made. Expected: 6 races, as above, no
 *   other anomaly, no leak on the device.
 * --fixed: every number is reserved inside the allocator's lock (mtrec_seq): no race, no
 *   anomaly, no leak on the device. */
#include "mtrec.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t step;
static int fixed;
static uint32_t dram;
static uint64_t handed; /* the address T1 hands on to T2 */

static uint64_t reserve(void)
{
	return fixed ? mtrec_seq() : 0; /* inside the lock when fixed */
}

/* T1's side of both forms; its reports are the late ones. */
__attribute__((noinline)) static void t1_report_alloc(uint64_t seq, uint64_t x)
{
	mtrec_alloc_seq(seq, 0, dram, x, 256);
}

__attribute__((noinline)) static void t1_report_free(uint64_t seq, uint64_t x)
{
	mtrec_free_seq(seq, 0, dram, x);
}

__attribute__((noinline)) static void t2_report_free(uint64_t seq, uint64_t x)
{
	mtrec_free_seq(seq, 0, dram, x);
}

__attribute__((noinline)) static void t2_report_alloc(uint64_t seq, uint64_t x)
{
	mtrec_alloc_seq(seq, 0, dram, x, 512);
}

static void *thread_1(void *arg)
{
	(void)arg;
	for (uint64_t r = 1; r <= 3; r++) { /* late_alloc */
		pthread_mutex_lock(&lock);
		uint64_t x = r * 0x1000, s = reserve(); /* the allocator hands out x */
		pthread_mutex_unlock(&lock);
		handed = x;
		pthread_barrier_wait(&step); /* T2 frees x, reports, gets x again, reports */
		pthread_barrier_wait(&step);
		t1_report_alloc(s, x); /* the late report */
		pthread_barrier_wait(&step);
		pthread_barrier_wait(&step); /* T2 has freed its block: one at a time */
	}
	for (uint64_t r = 1; r <= 3; r++) { /* late_free */
		uint64_t y = 0x10000 + r * 0x1000;
		pthread_mutex_lock(&lock);
		uint64_t s = reserve();
		pthread_mutex_unlock(&lock);
		t1_report_alloc(s, y);
		pthread_mutex_lock(&lock);
		handed = y; /* freed in the allocator */
		uint64_t fs = reserve();
		pthread_mutex_unlock(&lock);
		pthread_barrier_wait(&step); /* T2 gets y and reports */
		pthread_barrier_wait(&step);
		t1_report_free(fs, y); /* the late report */
		pthread_barrier_wait(&step);
		pthread_barrier_wait(&step);
	}
	return NULL;
}

static void *thread_2(void *arg)
{
	(void)arg;
	for (int r = 1; r <= 3; r++) { /* late_alloc */
		pthread_barrier_wait(&step);
		uint64_t x = handed;
		pthread_mutex_lock(&lock);
		uint64_t fs = reserve(); /* x goes back to the allocator */
		pthread_mutex_unlock(&lock);
		t2_report_free(fs, x);
		pthread_mutex_lock(&lock);
		uint64_t s = reserve(); /* ... and comes out again */
		pthread_mutex_unlock(&lock);
		t2_report_alloc(s, x);
		pthread_barrier_wait(&step);
		pthread_barrier_wait(&step);
		pthread_mutex_lock(&lock);
		fs = reserve();
		pthread_mutex_unlock(&lock);
		t2_report_free(fs, x);
		pthread_barrier_wait(&step);
	}
	for (int r = 1; r <= 3; r++) { /* late_free */
		pthread_barrier_wait(&step);
		pthread_mutex_lock(&lock);
		uint64_t y = handed, s = reserve(); /* the allocator hands out the freed address */
		pthread_mutex_unlock(&lock);
		t2_report_alloc(s, y);
		pthread_barrier_wait(&step);
		pthread_barrier_wait(&step);
		pthread_mutex_lock(&lock);
		uint64_t fs = reserve();
		pthread_mutex_unlock(&lock);
		t2_report_free(fs, y);
		pthread_barrier_wait(&step);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	fixed = argc > 1 && !strcmp(argv[1], "--fixed");
	mtrec_device_open(0, "sim0", 1 << 20);
	dram = mtrec_space("DRAM");
	pthread_barrier_init(&step, NULL, 2);
	pthread_t a, b;
	pthread_create(&a, NULL, thread_1, NULL);
	pthread_create(&b, NULL, thread_2, NULL);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	printf("racelate: %s\n", fixed ? "fixed" : "racy");
	return 0;
}
