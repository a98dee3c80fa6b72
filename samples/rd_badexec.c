/* rd_badexec: calls execve with an argv pointer and then an envp pointer that point to no
 * memory, and once with an envp whose entry points to no memory. Each call must fail
 * with EFAULT, recorded or not, and the program go on.
 * Expected: prints "rd_badexec: EFAULT EFAULT EFAULT" and exits 0; it allocates 3 blocks
 * of 64 bytes in keep_going() and frees them; no anomaly, and no leak but stdio's buffer. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

/* volatile: the compiler would see the bad pointers and refuse to build the calls */
static volatile uintptr_t bad_array = 1, bad_string = 8;

static const char *what(int ret, int err)
{
	return ret == -1 && err == EFAULT ? "EFAULT" : ret == -1 ? strerror(err) : "ran";
}

/* the program's own work around the failed execs: recorded like any other */
__attribute__((noinline)) static void keep_going(void)
{
	char *volatile p = malloc(64); /* volatile: a malloc the compiler cannot drop */
	free(p);
}

int main(void)
{
	char *argv[] = {"true", NULL};
	char *bad_entry[] = {"A=1", (char *)bad_string, NULL};
	int r1, e1, r2, e2, r3, e3;
	keep_going();
	r1 = execve("/bin/true", (char **)bad_array, environ);
	e1 = errno;
	keep_going();
	r2 = execve("/bin/true", argv, (char **)bad_array);
	e2 = errno;
	keep_going();
	r3 = execve("/bin/true", argv, bad_entry);
	e3 = errno;
	printf("rd_badexec: %s %s %s\n", what(r1, e1), what(r2, e2), what(r3, e3));
	return 0;
}
