/* clean: allocates and frees in several ways and leaks nothing of its own.
 * Expected findings: no leak from this program's code (libc may keep its own buffers). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__attribute__((noinline)) static char *make_name(int i)
{
	char *p = malloc(32);
	snprintf(p, 32, "name-%d", i);
	return p;
}

int main(void)
{
	char *names[50];
	for (int i = 0; i < 50; i++)
		names[i] = make_name(i);
	for (int i = 0; i < 50; i++)
		free(names[i]);
	void *a = NULL;
	if (posix_memalign(&a, 64, 256) == 0)
		free(a);
	char *r = malloc(10);
	r = realloc(r, 5000);
	free(r);
	int *c = calloc(10, sizeof(int));
	free(c);
	printf("clean: done\n");
	return 0;
}
