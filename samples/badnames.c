/* badnames: a program whose strings are made to break whoever splices them into SQL or
 * uses them as a format: quotes, a statement with its terminator and a comment, newlines,
 * a tab, a backslash, printf conversions (%n included) and UTF-8, as a mark label, a
 * thread name, a space name, a device name and its own argument.
 * Expected (tests/e2e/names.sh): every string stored and read back byte for byte; the
 * database's tables all still there. Its own leaks: one 64-byte heap block (keep_one)
 * and one 256-byte client block on device 7 in the hostile space; the thread's 16-byte
 * block is freed. */
#include "mtrec.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define DROP "'); DROP TABLE lifetimes; --"
static const char *const labels[] = {
	DROP,
	"\"double\" and 'single' quotes\nsecond line\tand a tab \\ backslash",
	"%s%n%d%x %% 100%",
	"\xc3\xbc\x6e\xc3\xaf\x63\xc3\xb6\x64\xc3\xa9 \xe2\x9c\x93",
	"'; DELETE FROM marks WHERE '1'='1",
};
#define THREAD_NAME "a'\"\n); --%s" /* 11 bytes: the kernel keeps at most 15 */
#define SPACE_NAME "pool'); DROP TABLE spaces; --\n\"x\""
#define DEVICE_NAME "dev'); DROP TABLE devices; --"

static __attribute__((noinline)) void *keep_one(void)
{
	return malloc(64);
}

static void *named(void *arg)
{
	(void)arg;
	pthread_setname_np(pthread_self(), THREAD_NAME);
	char *volatile p = malloc(16); /* volatile: the pair is not optimized away */
	free(p);
	return NULL;
}

int main(int argc, char **argv)
{
	(void)argc;
	(void)argv; /* its argument is only there to be recorded in the command line */
	for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
		mtrec_mark(labels[i]);
	pthread_t t;
	if (pthread_create(&t, NULL, named, NULL) || pthread_join(t, NULL))
		return 1;
	mtrec_device_open(7, DEVICE_NAME, 1 << 20);
	uint32_t sp = mtrec_space(SPACE_NAME);
	mtrec_alloc(7, sp, 0x1000, 256);
	if (!keep_one())
		return 1;
	printf("badnames: done\n");
	return 0;
}
