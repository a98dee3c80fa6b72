/* rd_doublefree: frees one heap block twice, and glibc aborts in the second free
 * ("free(): double free detected in tcache 2"), so the process dies of SIGABRT.
 * Expected: `mtan frees` shows 1 double free, from free_again(), of the block of 40 bytes
 * that make_block() allocated and drop_block() freed; `mtan check` fails (exit 1);
 * `mtan summary` says the process was killed by SIGABRT. No other anomaly. */
#include <stdio.h>
#include <stdlib.h>

__attribute__((noinline)) static char *make_block(void)
{
	return malloc(40);
}

__attribute__((noinline)) static void drop_block(char *p)
{
	free(p);
}

/* the second free of the same address: glibc's tcache check aborts here */
__attribute__((noinline)) static void free_again(char *p)
{
	free(p);
}

int main(void)
{
	char *p = make_block();
	/* volatile: the compiler may not see the double free and drop a call */
	char *volatile q = p;
	drop_block(p);
	fflush(stdout);
	free_again(q);
	printf("rd_doublefree: glibc did not abort\n");
	return 0;
}
