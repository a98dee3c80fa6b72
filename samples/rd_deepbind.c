/* rd_deepbind: opens rd_deepplugin.so (argv[1]) with RTLD_NOW | RTLD_DEEPBIND, which binds
 * the plugin's malloc and free to libc's past LD_PRELOAD, and passes blocks across. With
 * "lazy" after it, RTLD_LAZY | RTLD_DEEPBIND; with "plain", RTLD_NOW alone. Built with
 * RUNPATH $ORIGIN: a bare "rd_deepplugin.so" is found beside it, by the caller's RUNPATH
 * (which a dlopen wrapper that called the real dlopen would lose).
 * Expected (the counts equal valgrind's "total heap usage"): the plugin's deep_make()
 * allocates 3 blocks of 111 bytes that the program frees; the program's give_block()
 * allocates 2 blocks of 222 bytes that deep_drop() frees, and 1 of 50 that deep_grow()
 * reallocates to 5,000 (a free and an allocation) and the program frees; deep_work()
 * allocates 300 bytes with calloc and frees them, and leaks 77 bytes: the one leak besides
 * stdio's buffer. No unmatched free, no other anomaly. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__attribute__((noinline)) static void *give_block(size_t n)
{
	return malloc(n);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: rd_deepbind PLUGIN.so [lazy|plain]\n");
		return 2;
	}
	const char *how = argc > 2 ? argv[2] : "";
	int flags = !strcmp(how, "lazy") ? RTLD_LAZY | RTLD_DEEPBIND : !strcmp(how, "plain") ? RTLD_NOW
											  : RTLD_NOW | RTLD_DEEPBIND;
	void *h = dlopen(argv[1], flags);
	if (!h) {
		fprintf(stderr, "rd_deepbind: %s\n", dlerror());
		return 1;
	}
	char *(*make)(size_t) = (char *(*)(size_t))dlsym(h, "deep_make");
	void (*drop)(void *) = (void (*)(void *))dlsym(h, "deep_drop");
	void *(*grow)(void *, size_t) = (void *(*)(void *, size_t))dlsym(h, "deep_grow");
	void *(*work)(void) = (void *(*)(void))dlsym(h, "deep_work");
	if (!make || !drop || !grow || !work)
		return 1;
	for (int i = 0; i < 3; i++)
		free(make(111));
	for (int i = 0; i < 2; i++)
		drop(give_block(222));
	free(grow(give_block(50), 5000));
	work();
	printf("rd_deepbind: done\n");
	return 0;
}
