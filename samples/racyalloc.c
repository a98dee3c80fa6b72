/* racyalloc: a device allocator whose tracking races with address reuse (seed: the
 * tracking race). Two threads share one allocator (device 0, space "DRAM"). Ten times,
 * thread A frees address X inside the lock, and before A reports that free, thread B
 * allocates (and gets) X and reports it: the interleaving is forced with a barrier, so
 * it happens every time.
 * Racy variant (default): reports are made after the lock is released, each taking its
 *   number at the report. Expected: 10 address-reuse races (B's allocation numbered
 *   before A's free of the same address), at 0x1000, 0x2000, ... 0xA000.
 * Fixed variant (--fixed): numbers are reserved inside the lock with mtrec_seq().
 *   Expected: no race, no anomaly.
 * Either way, every block is freed in the end: no leaks. */
#include "mtrec.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t step;
static int fixed;
static uint32_t dram;
static uint64_t shared_addr; /* the address A frees and B gets */

static void *thread_a(void *arg)
{
	(void)arg;
	for (uint64_t r = 1; r <= 10; r++) {
		uint64_t x = r * 0x1000;
		pthread_mutex_lock(&lock);
		uint64_t s = fixed ? mtrec_seq() : 0; /* numbered inside the lock when fixed */
		mtrec_alloc_seq(s, 0, dram, x, 256);
		pthread_mutex_unlock(&lock);
		pthread_mutex_lock(&lock);
		shared_addr = x; /* freed in the allocator */
		uint64_t fs = fixed ? mtrec_seq() : 0;
		pthread_mutex_unlock(&lock);
		pthread_barrier_wait(&step); /* B allocates x now */
		pthread_barrier_wait(&step); /* ... and has reported it */
		mtrec_free_seq(fs, 0, dram, x); /* the late report of the free */
		pthread_barrier_wait(&step);
	}
	return NULL;
}

static void *thread_b(void *arg)
{
	(void)arg;
	for (int r = 1; r <= 10; r++) {
		pthread_barrier_wait(&step);
		pthread_mutex_lock(&lock);
		uint64_t x = shared_addr; /* the allocator hands out the freed address */
		uint64_t s = fixed ? mtrec_seq() : 0;
		pthread_mutex_unlock(&lock);
		mtrec_alloc_seq(s, 0, dram, x, 512);
		pthread_barrier_wait(&step);
		pthread_barrier_wait(&step);
		mtrec_free(0, dram, x);
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
	pthread_create(&a, NULL, thread_a, NULL);
	pthread_create(&b, NULL, thread_b, NULL);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	printf("racyalloc: %s\n", fixed ? "fixed" : "racy");
	return 0;
}
