/* plugin: a shared library that the dlopener sample loads, calls, and unloads.
 * plugin_leak() leaks 3 blocks of 123 bytes. */
#include <stdlib.h>

__attribute__((noinline, visibility("default"))) void *plugin_leak(void)
{
	return malloc(123);
}

__attribute__((visibility("default"))) void plugin_run(void)
{
	for (volatile int i = 0; i < 3; i++)
		plugin_leak();
}
