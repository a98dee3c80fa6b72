/* rd_clone: starts children with glibc's raw clone(), without CLONE_THREAD: "fork" (a copy
 * of the address space, SIGCHLD) or "vm" (CLONE_VM: the parent's memory and the parent
 * thread's TLS shared). The parent allocates before and after, the child in between.
 * Expected, both forms: the parent's parent_before() allocates 4 blocks of 100 bytes and
 * parent_after() 6 of 200, all freed, under the parent's pid; the child's child_work()
 * allocates 5 blocks of 300 bytes and frees 3 of them. "fork": the child is a process of
 * its own (how fork, ppid the parent) with those events under its pid, 2 blocks of 300
 * leaked there. "vm": the child shares the parent thread's recorder state, so its 8
 * events are counted lost (the trace says so) and none is filed under the parent; the
 * parent's events are all there. No anomaly in either. */
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void *volatile sink[16];

__attribute__((noinline)) static void parent_before(void)
{
	for (int i = 0; i < 4; i++)
		sink[i] = malloc(100);
	for (int i = 0; i < 4; i++)
		free(sink[i]);
}

__attribute__((noinline)) static void parent_after(void)
{
	for (int i = 0; i < 6; i++)
		sink[i] = malloc(200);
	for (int i = 0; i < 6; i++)
		free(sink[i]);
}

__attribute__((noinline)) static int child_work(void *arg)
{
	(void)arg;
	void *p[5];
	for (int i = 0; i < 5; i++)
		p[i] = malloc(300);
	for (int i = 0; i < 3; i++)
		free(p[i]);
	sink[8] = p[3];
	sink[9] = p[4];
	return 0;
}

int main(int argc, char **argv)
{
	int vm = argc > 1 && !strcmp(argv[1], "vm");
	static char stack[256 * 1024] __attribute__((aligned(16)));
	parent_before();
	int flags = SIGCHLD | (vm ? CLONE_VM : 0);
	pid_t pid = clone(child_work, stack + sizeof stack, flags, NULL);
	if (pid < 0) {
		perror("rd_clone: clone");
		return 1;
	}
	int status;
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		return 1;
	parent_after();
	printf("rd_clone: %s child %d\n", vm ? "vm" : "fork", (int)pid);
	return 0;
}
