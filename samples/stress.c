/* stress: T threads (default 16) each allocate N blocks (default 1,000,000); half of each
 * thread's blocks are handed to the next thread, which frees them; the rest it frees itself.
 * Expected: exactly T*N allocations and T*N frees, nothing leaked, no anomaly.
 * Usage: stress [THREADS] [PER_THREAD] */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#define QCAP 4096

struct queue { /* single producer (thread i-1), single consumer (thread i) */
	void *slot[QCAP];
	_Atomic unsigned long head, tail;
};

static int nthreads = 16;
static long per_thread = 1000000;
static struct queue *queues;
static _Atomic int producers_left;

static void drain(struct queue *q)
{
	unsigned long t = atomic_load(&q->tail), h = atomic_load_explicit(&q->head, memory_order_acquire);
	for (; t < h; t++)
		free(q->slot[t % QCAP]);
	atomic_store_explicit(&q->tail, t, memory_order_release);
}

static void *worker(void *arg)
{
	long me = (long)arg;
	char name[16];
	snprintf(name, sizeof name, "worker-%ld", me);
	pthread_setname_np(pthread_self(), name);
	struct queue *out = &queues[(me + 1) % nthreads], *in = &queues[me];
	for (long i = 0; i < per_thread; i++) {
		void *p = malloc((size_t)(16 + (i * 7) % 512));
		if (i & 1) {
			free(p);
		} else {
			unsigned long h = atomic_load(&out->head);
			while (h - atomic_load_explicit(&out->tail, memory_order_acquire) >= QCAP)
				drain(in); /* keep our own consumer side moving while we wait */
			out->slot[h % QCAP] = p;
			atomic_store_explicit(&out->head, h + 1, memory_order_release);
		}
		if ((i & 63) == 0)
			drain(in);
	}
	atomic_fetch_sub(&producers_left, 1);
	while (atomic_load(&producers_left) > 0)
		drain(in);
	drain(in);
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc > 1)
		nthreads = atoi(argv[1]);
	if (argc > 2)
		per_thread = atol(argv[2]);
	if (nthreads < 1 || per_thread < 1) {
		fprintf(stderr, "usage: stress [THREADS] [PER_THREAD]\n");
		return 2;
	}
	queues = calloc((size_t)nthreads, sizeof(*queues));
	pthread_t *th = calloc((size_t)nthreads, sizeof(*th));
	producers_left = nthreads;
	for (long i = 0; i < nthreads; i++)
		pthread_create(&th[i], NULL, worker, (void *)i);
	for (int i = 0; i < nthreads; i++)
		pthread_join(th[i], NULL);
	free(th);
	free(queues);
	printf("stress: %d threads x %ld allocations\n", nthreads, per_thread);
	return 0;
}
