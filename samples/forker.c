/* forker: processes of every kind in one trace.
 * Expected leaks, each in its own process:
 *   the parent: parent_leak(), 2 blocks of 111 bytes
 *   a forked child: child_leak(), 3 blocks of 222 bytes (plus it frees one block it
 *     inherited from the parent: that is no anomaly and no leak of the child)
 *   a forked child that execs PROGRAM, a posix_spawn of PROGRAM, a vfork+exec of PROGRAM:
 *     each has PROGRAM's own leaks under its own pid
 * Usage: forker PROGRAM */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

__attribute__((noinline)) static void *parent_leak(void) { return malloc(111); }
__attribute__((noinline)) static void *child_leak(void) { return malloc(222); }

static volatile int n_parent = 2, n_child = 3;

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: forker PROGRAM\n");
		return 2;
	}
	char *inherited = malloc(64);
	for (int i = 0; i < n_parent; i++)
		parent_leak();
	pid_t c1 = fork();
	if (c1 == 0) {
		free(inherited);
		for (int i = 0; i < n_child; i++)
			child_leak();
		_exit(0);
	}
	pid_t c2 = fork();
	if (c2 == 0) {
		execl(argv[1], argv[1], (char *)NULL);
		_exit(127);
	}
	pid_t c3;
	char *sargv[] = {argv[1], NULL};
	if (posix_spawn(&c3, argv[1], NULL, NULL, sargv, environ) != 0)
		return 1;
	pid_t c4 = vfork();
	if (c4 == 0) {
		execl(argv[1], argv[1], (char *)NULL);
		_exit(127);
	}
	int st, bad = 0;
	pid_t kids[] = {c1, c2, c3, c4};
	for (int i = 0; i < 4; i++)
		if (waitpid(kids[i], &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
			bad = 1;
	free(inherited);
	printf("forker: %d %d %d %d\n", c1, c2, c3, c4);
	return bad;
}
