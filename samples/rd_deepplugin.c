/* rd_deepplugin: a plugin that rd_deepbind opens with RTLD_DEEPBIND, so its malloc and free
 * are looked up in its own dependencies (libc) before the preloaded recorder's. It takes
 * blocks across the boundary both ways. See rd_deepbind.c for what is expected. */
#include <stdlib.h>
#include <string.h>

/* a block the program frees */
__attribute__((noinline, visibility("default"))) char *deep_make(size_t n)
{
	char *p = malloc(n);
	if (p)
		memset(p, 'd', n);
	return p;
}

/* frees a block the program allocated */
__attribute__((noinline, visibility("default"))) void deep_drop(void *p)
{
	free(p);
}

/* grows a block the program allocated: the program frees the result */
__attribute__((noinline, visibility("default"))) void *deep_grow(void *p, size_t n)
{
	return realloc(p, n);
}

/* the plugin's own work, allocated and freed inside it; one block of 77 bytes it keeps
 * (a leak the trace must show, by this function) */
__attribute__((noinline, visibility("default"))) void *deep_work(void)
{
	void *volatile tmp = calloc(10, 30);
	free(tmp);
	return malloc(77);
}
