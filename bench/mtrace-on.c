/* mtrace-on.so: switches glibc's mtrace on in an unmodified program, for bench/run.sh.
 * Since glibc 2.34 MALLOC_TRACE alone does nothing: the tracer lives in
 * libc_malloc_debug.so and starts only when the program calls mtrace(), so this library,
 * preloaded after libc_malloc_debug.so, calls it from a constructor. */
#include <mcheck.h>

__attribute__((constructor)) static void mtrace_on(void)
{
	mtrace();
}
