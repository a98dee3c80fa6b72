/* crasher: allocates, counting each completed allocation in a file-backed shared page,
 * then dies the way it is told. Expected: the trace holds at least the counted
 * allocations, whatever the death.
 * Usage: crasher kill|segv|abort COUNTFILE [N] */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: crasher kill|segv|abort COUNTFILE [N]\n");
		return 2;
	}
	long n = argc > 3 ? atol(argv[3]) : 20000;
	int fd = open(argv[2], O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || ftruncate(fd, 4096) < 0)
		return 2;
	volatile long *count = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (count == MAP_FAILED)
		return 2;
	for (long i = 0; i < n; i++) {
		void *p = malloc(100);
		if (!p)
			return 3;
		*count = i + 1; /* malloc returned: this allocation is complete */
		if (i % 2)
			free(p);
	}
	if (!strcmp(argv[1], "kill"))
		kill(getpid(), SIGKILL);
	else if (!strcmp(argv[1], "segv"))
		*(volatile int *)(uintptr_t)8 = 1;
	else
		abort();
	return 0;
}
