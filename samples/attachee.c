/* attachee.c: a long-running process for `mtrec -p` (tests/e2e/attach.sh) and `mtan live`
 * (tests/e2e/live.sh), started outside mtrec. Expected findings:
 *   - two threads (churn) each keep 64 blocks live in a ring, freeing the oldest and
 *     allocating a new one of 48 bytes every 200 us: the blocks live when mtrec attaches are
 *     freed within milliseconds after (frees from before the attach, never unmatched);
 *   - attachee_leak leaks one block of 1000 bytes every 100 ms (10 a second), held in a
 *     list: steady growth at that site;
 *   - on SIGUSR1 the main thread forks once: the child (attachee_child) allocates and frees
 *     32 blocks of 64 bytes, frees one block inherited from before the fork, and exits 0;
 *   - every 100 ms it appends a line "tick N" to stdout (flushed): it keeps working.
 * Ends after argv[1] seconds (default 60), or at SIGTERM/SIGINT. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t want_fork, stop;
static void on_usr1(int sig) { (void)sig; want_fork = 1; }
static void on_stop(int sig) { (void)sig; stop = 1; }

struct node {
	struct node *next;
	char pad[1000 - sizeof(struct node *)];
};
static struct node *leaked;

static void nap_us(long us)
{
	struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
	nanosleep(&ts, NULL);
}

__attribute__((noinline)) static void *churn_alloc(void) { return malloc(48); }

static void *churn(void *arg)
{
	(void)arg;
	void *ring[64] = {0};
	for (unsigned i = 0; !stop; i++) {
		free(ring[i % 64]);
		ring[i % 64] = churn_alloc();
		memset(ring[i % 64], (int)i, 48);
		nap_us(200);
	}
	for (int i = 0; i < 64; i++)
		free(ring[i]);
	return NULL;
}

__attribute__((noinline)) static void attachee_leak(void)
{
	struct node *n = malloc(sizeof *n);
	memset(n, 0, sizeof *n);
	n->next = leaked;
	leaked = n;
}

__attribute__((noinline)) static void attachee_child(void *inherited)
{
	void *b[32];
	for (int i = 0; i < 32; i++)
		b[i] = malloc(64);
	for (int i = 0; i < 32; i++)
		free(b[i]);
	free(inherited);
	_exit(0);
}

int main(int argc, char **argv)
{
	int seconds = argc > 1 ? atoi(argv[1]) : 60;
	signal(SIGUSR1, on_usr1);
	signal(SIGTERM, on_stop);
	signal(SIGINT, on_stop);
	pthread_t t[2];
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, churn, NULL);
	void *kept = malloc(24);
	for (int tick = 0; !stop && tick < seconds * 10; tick++) {
		attachee_leak();
		if (want_fork) {
			want_fork = 0;
			pid_t c = fork();
			if (c == 0)
				attachee_child(kept);
			if (c > 0)
				waitpid(c, NULL, 0);
		}
		printf("tick %d\n", tick);
		fflush(stdout);
		nap_us(100000);
	}
	stop = 1;
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	free(kept);
	return 0;
}
