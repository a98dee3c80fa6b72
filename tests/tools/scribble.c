/* scribble: a hostile traced program. It maps the recorder's shared memory (MTREC_SHM)
 * and writes garbage over ring headers and ring data, then allocates on. The collector
 * must keep what came before, ignore the garbage, and never crash.
 * Usage: scribble [SEED] */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	unsigned seed = argc > 1 ? (unsigned)atoi(argv[1]) : 1;
	for (int i = 0; i < 1000; i++) { /* some honest events first (volatile: kept) */
		/* cppcheck: the block is unused on purpose, only its events matter */
		// cppcheck-suppress unusedAllocatedMemory
		char *volatile q = malloc(32);
		free(q);
	}
	usleep(300000); /* ... which the collector drains and writes out meanwhile */
	const char *path = getenv("MTREC_SHM");
	if (!path) {
		fprintf(stderr, "scribble: not under mtrec\n");
		return 2;
	}
	int fd = open(path, O_RDWR);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0)
		return 3;
	size_t len = (size_t)st.st_size;
	uint8_t *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return 4;
	srand(seed);
	/* headers: the first 64 KiB after the global header; data: the first rings */
	for (int i = 0; i < 20000; i++) {
		size_t off = 128 + (size_t)rand() % (1u << 20);
		p[off] = (uint8_t)rand();
	}
	for (int i = 0; i < 20000; i++) {
		size_t off = (len - ((size_t)2048 << 22)) + (size_t)rand() % ((size_t)8 << 22);
		if (off < len)
			p[off] = (uint8_t)rand();
	}
	for (int i = 0; i < 1000; i++) {
		// cppcheck-suppress unusedAllocatedMemory
		char *volatile q = malloc(64);
		free(q);
	}
	printf("scribble: done\n");
	return 0;
}
