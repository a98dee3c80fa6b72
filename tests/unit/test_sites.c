/* Where a site starts (analyze/sites.c): the default list of the allocator's and the
 * runtime's frames, the user's globs, and the fall-backs when every frame is skipped. */
#include "opts.h"
#include "sites.h"
#include "unit.h"

#include <string.h>

static void runtime_modules(void)
{
	CHECK(mtan_runtime_frame("/lib/x86_64-linux-gnu/libc.so.6", "_IO_file_doallocate", NULL));
	CHECK(mtan_runtime_frame("/lib/x86_64-linux-gnu/libc-2.31.so", NULL, NULL));
	CHECK(mtan_runtime_frame("/lib64/ld-linux-x86-64.so.2", "_dl_init", NULL));
	CHECK(mtan_runtime_frame("/usr/lib/x86_64-linux-gnu/libstdc++.so.6", NULL, NULL));
	CHECK(mtan_runtime_frame("/opt/mt/lib/mtrec/libmtrec.so", "malloc", NULL));
	CHECK(mtan_runtime_frame("/usr/lib/libjemalloc.so.2", "je_malloc", NULL));
	CHECK(mtan_runtime_frame("/usr/lib/libtcmalloc_minimal.so.4", NULL, NULL));
	CHECK(mtan_runtime_frame("/usr/lib/libmimalloc.so.2.0", NULL, NULL));
	/* near names that are not the runtime */
	CHECK(!mtan_runtime_frame("/usr/lib/libcurl.so.4", "Curl_open", NULL));
	CHECK(!mtan_runtime_frame("/app/libc.so.6.d/helper.so", NULL, NULL));
	CHECK(!mtan_runtime_frame("/app/bin/server", "main", "/app/src/main.c"));
	CHECK(!mtan_runtime_frame(NULL, NULL, NULL));
}

static void runtime_functions(void)
{
	CHECK(mtan_runtime_frame("/app/bin/server", "operator new(unsigned long)", NULL));
	CHECK(mtan_runtime_frame("/app/bin/server", "operator new[](unsigned long)", NULL));
	CHECK(mtan_runtime_frame("/app/bin/server", "operator new(unsigned long, std::align_val_t)", NULL));
	CHECK(mtan_runtime_frame("/app/bin/server", "malloc", NULL));
	CHECK(mtan_runtime_frame("/app/bin/server", "posix_memalign", NULL));
	CHECK(!mtan_runtime_frame("/app/bin/server", "operator delete(void*)", NULL));
	CHECK(!mtan_runtime_frame("/app/bin/server", "my_malloc", NULL));
	CHECK(!mtan_runtime_frame("/app/bin/server", "mallocate_buffers", NULL));
	/* the C++ library's template code, compiled into the program */
	CHECK(mtan_runtime_frame("/app/bin/server", "std::vector<int, std::allocator<int> >::_M_realloc_insert",
				 "/usr/include/c++/12/bits/vector.tcc"));
	CHECK(mtan_runtime_frame("/app/bin/server", NULL, "/usr/lib/llvm-15/include/c++/v1/vector"));
	CHECK(!mtan_runtime_frame("/app/bin/server", "remember(std::string const&)", "/app/src/cache.cpp"));
}

static void user_globs(void)
{
	struct mtan_skip k = {0};
	CHECK(!mtan_skipped_frame(&k, "/app/lib/libpool.so", "pool_get"));
	k.modules[k.nmodules++] = "libpool*";
	CHECK(mtan_skipped_frame(&k, "/app/lib/libpool.so", "pool_get"));
	CHECK(!mtan_skipped_frame(&k, "/app/libpool/bin/server", "main")); /* the file name only */
	k.modules[k.nmodules++] = "/app/libpool/*";
	CHECK(mtan_skipped_frame(&k, "/app/libpool/bin/server", "main")); /* a '/': the path */
	k.functions[k.nfunctions++] = "xmalloc";
	k.functions[k.nfunctions++] = "Arena::*";
	CHECK(mtan_skipped_frame(&k, "/app/bin/server", "xmalloc"));
	CHECK(mtan_skipped_frame(&k, "/app/bin/server", "Arena::alloc(unsigned long)"));
	CHECK(!mtan_skipped_frame(&k, "/app/bin/server", "xmalloc_stats"));
	CHECK(!mtan_skipped_frame(&k, NULL, NULL));
}

static void site_of(void)
{
	const unsigned char S = MTAN_FRAME_SKIP, E = MTAN_FRAME_EXE;
	const unsigned char program[] = {S, S, E, 0, S};
	CHECK_EQ_U(mtan_site_of(program, 5), 2);
	const unsigned char first[] = {E, S};
	CHECK_EQ_U(mtan_site_of(first, 2), 0);
	/* all the runtime's (stdio's buffer from main): the executable's frame */
	const unsigned char stdio[] = {S, S, S, S | E, S, S, S | E};
	CHECK_EQ_U(mtan_site_of(stdio, 7), 3);
	/* all the runtime's and no executable frame (a library's start-up): frame 0 */
	const unsigned char none[] = {S, S, S};
	CHECK_EQ_U(mtan_site_of(none, 3), 0);
	CHECK_EQ_U(mtan_site_of(NULL, 0), 0);
}

int main(void)
{
	RUN(runtime_modules);
	RUN(runtime_functions);
	RUN(user_globs);
	RUN(site_of);
	UNIT_EXIT();
}
