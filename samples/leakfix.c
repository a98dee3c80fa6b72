/* leakfix: one program before and after a leak fix, for `mtan diff`.
 * Expected findings (mtan leaks), default (before the fix):
 *   open_session(): 4 blocks of 64 bytes = 256 bytes, innermost program frame open_session
 *   fill_cache():   2 blocks of 512 bytes = 1024 bytes, innermost program frame fill_cache
 * With --fixed (after): the sessions are closed (freed); fill_cache's 1024 bytes remain.
 * So `mtan diff BEFORE AFTER` shows open_session fixed and fill_cache unchanged. Both runs
 * take the same calls to the two sites; only whether the sessions are freed differs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct session {
	int id;
	char name[60];
};

__attribute__((noinline)) static struct session *open_session(int id)
{
	struct session *s = malloc(sizeof *s);
	if (s) {
		s->id = id;
		snprintf(s->name, sizeof s->name, "session-%d", id);
	}
	return s;
}

__attribute__((noinline)) static void close_session(struct session *s)
{
	free(s);
}

__attribute__((noinline)) static void *fill_cache(int i)
{
	char *p = malloc(512);
	if (p)
		memset(p, i, 512);
	return p;
}

static volatile int n_sessions = 4, n_cache = 2;

int main(int argc, char **argv)
{
	int fixed = argc > 1 && !strcmp(argv[1], "--fixed");
	struct session *open[8];
	for (int i = 0; i < n_sessions; i++)
		if (!(open[i] = open_session(i)))
			return 1;
	for (int i = 0; i < n_cache; i++)
		if (!fill_cache(i))
			return 1;
	if (fixed) /* the fix: sessions are closed when done */
		for (int i = 0; i < n_sessions; i++)
			close_session(open[i]);
	printf("leakfix: %s\n", fixed ? "fixed" : "leaking");
	return 0;
}
