/* churn: the allocation microbenchmark of bench/run.sh. Each of T threads keeps 64 live
 * blocks; an iteration frees the oldest and allocates a new one of 16..4096 bytes (or, in
 * realloc mode, reallocs the oldest to a new size). Sizes come from a fixed PRNG, so every
 * run makes the same calls: 2 events an iteration, plus 64 allocations and 64 frees a thread.
 * Usage: churn THREADS ITERATIONS_PER_THREAD [malloc|realloc]
 * Prints one line, the total iteration count; exit 2 on bad arguments. */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIVE 64

static unsigned long long iterations;
static int realloc_mode;

/* xorshift64*: cheap, deterministic, good enough to spread sizes across the bins */
static inline uint64_t next(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545F4914F6CDD1DULL;
}

static inline size_t pick_size(uint64_t *s)
{
	return 16 + (size_t)(next(s) >> 40) % (4096 - 16 + 1);
}

static void *worker(void *arg)
{
	uint64_t seed = 0x9E3779B97F4A7C15ULL * ((uintptr_t)arg + 1);
	unsigned char *live[LIVE];
	for (int i = 0; i < LIVE; i++) {
		live[i] = malloc(pick_size(&seed));
		if (!live[i])
			abort();
		live[i][0] = (unsigned char)i; /* touch it, as a program would */
	}
	unsigned oldest = 0;
	for (unsigned long long n = 0; n < iterations; n++) {
		size_t size = pick_size(&seed);
		unsigned char *p;
		if (realloc_mode) {
			p = realloc(live[oldest], size);
		} else {
			free(live[oldest]);
			p = malloc(size);
		}
		if (!p)
			abort();
		p[0] = (unsigned char)n;
		live[oldest] = p;
		oldest = (oldest + 1) % LIVE;
	}
	for (int i = 0; i < LIVE; i++)
		free(live[i]);
	return NULL;
}

static int parse(const char *s, unsigned long long max, unsigned long long *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || v > max)
		return -1;
	*out = v;
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long long threads;
	if (argc < 3 || argc > 4 || parse(argv[1], 1024, &threads) || threads == 0 ||
	    parse(argv[2], 1ULL << 40, &iterations) ||
	    (argc == 4 && strcmp(argv[3], "malloc") && strcmp(argv[3], "realloc"))) {
		fprintf(stderr, "usage: churn THREADS ITERATIONS_PER_THREAD [malloc|realloc]\n");
		return 2;
	}
	realloc_mode = argc == 4 && !strcmp(argv[3], "realloc");
	pthread_t tids[1024];
	/* one thread runs on main's own stack, so T=1 creates no thread */
	for (unsigned long long t = 1; t < threads; t++) {
		int err = pthread_create(&tids[t], NULL, worker, (void *)(uintptr_t)t);
		if (err) {
			fprintf(stderr, "churn: cannot create a thread: %s\n", strerror(err));
			return 1;
		}
	}
	worker((void *)(uintptr_t)0);
	for (unsigned long long t = 1; t < threads; t++)
		pthread_join(tids[t], NULL);
	printf("%llu iterations\n", threads * iterations);
	return 0;
}
