/* dlopener: loads a plugin (argv[1]), lets it leak, and unloads it before exiting.
 * Expected leak: plugin_leak (plugin.c) 3 blocks of 123 bytes, named with the plugin's
 * function, file and line although the plugin is gone at exit. */
#include <dlfcn.h>
#include <stdio.h>

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: dlopener PLUGIN.so\n");
		return 2;
	}
	void *h = dlopen(argv[1], RTLD_NOW);
	if (!h) {
		fprintf(stderr, "dlopener: %s\n", dlerror());
		return 1;
	}
	void (*run)(void) = (void (*)(void))dlsym(h, "plugin_run");
	if (!run)
		return 1;
	run();
	dlclose(h);
	printf("dlopener: done\n");
	return 0;
}
