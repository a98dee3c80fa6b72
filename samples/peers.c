/* peers: a peer-to-peer node's address book under churn (seed: unbounded growth).
 * 3000 peers come and go over about 0.6 s (one every 200 us), each entry a malloc of 256
 * bytes (peer_entry_new) plus a 64-byte name (peer_name_new), on the host heap.
 * Growing variant (default): entries are never evicted; all are freed at shutdown.
 *   Expected: no leaks, but host-heap growth (the teardown does not hide it), with
 *   peer_entry_new and peer_name_new the growing sites; growth about 3000*320 bytes.
 * Fixed variant (--fixed): an LRU evicts beyond 200 entries: plateau at 200 entries. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct peer {
	char *name;
	struct peer *next, *prev;
	char addr[232];
};

__attribute__((noinline)) static struct peer *peer_entry_new(void) { return calloc(1, 256); }
__attribute__((noinline)) static char *peer_name_new(int i)
{
	char *n = malloc(64);
	snprintf(n, 64, "peer-%d", i);
	return n;
}

static struct peer *head, *tail;
static int count;

static void evict_oldest(void)
{
	struct peer *p = tail;
	tail = p->prev;
	if (tail)
		tail->next = NULL;
	else
		head = NULL;
	free(p->name);
	free(p);
	count--;
}

int main(int argc, char **argv)
{
	int fixed = argc > 1 && !strcmp(argv[1], "--fixed");
	for (int i = 0; i < 3000; i++) {
		struct peer *p = peer_entry_new();
		p->name = peer_name_new(i);
		p->next = head;
		if (head)
			head->prev = p;
		head = p;
		if (!tail)
			tail = p;
		count++;
		if (fixed && count > 200)
			evict_oldest();
		struct timespec ts = {0, 200000};
		nanosleep(&ts, NULL);
	}
	while (tail) /* shutdown */
		evict_oldest();
	printf("peers: %s\n", fixed ? "fixed" : "growing");
	return 0;
}
