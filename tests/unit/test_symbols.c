/* The symbolizer (analyze/symbols.c) on this test program's own module map: functions,
 * files and lines of return addresses; module+offset when the file is missing; the latest
 * load where two overlap; nothing for an address no module holds. */
#include "mtan.h"
#include "unit.h"

#include <link.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

__attribute__((noinline, used)) void symbols_probe(void) { __asm__ volatile(""); }

static struct mtan_module self;
static char self_path[4096];

static int self_cb(struct dl_phdr_info *info, size_t sz, void *arg)
{
	(void)sz;
	(void)arg;
	if (info->dlpi_name && *info->dlpi_name)
		return 0;
	uint64_t hi = 0;
	for (int i = 0; i < info->dlpi_phnum; i++)
		if (info->dlpi_phdr[i].p_type == PT_LOAD && info->dlpi_phdr[i].p_vaddr + info->dlpi_phdr[i].p_memsz > hi)
			hi = info->dlpi_phdr[i].p_vaddr + info->dlpi_phdr[i].p_memsz;
	self.base = info->dlpi_addr;
	self.size = hi;
	return 1;
}

static void own_function(void)
{
	struct mtan_symbolizer *s = mtan_symbolizer_new(&self, 1);
	struct mtan_sym sym;
	CHECK(s);
	/* a return address just past the function's first byte: looked up at the byte */
	mtan_symbolize(s, (uint64_t)(uintptr_t)symbols_probe + 1, 1, &sym);
	int ok = sym.function && !strcmp(sym.function, "symbols_probe") && sym.file &&
		 strstr(sym.file, "test_symbols.c") && sym.line > 0 && sym.module && !strcmp(sym.module, self_path);
	if (!ok)
		fprintf(stderr, "  got %s %s:%d in %s\n", sym.function ? sym.function : "?",
			sym.file ? sym.file : "?", sym.line, sym.module ? sym.module : "?");
	mtan_sym_release(&sym);
	mtan_symbolizer_free(s);
	CHECK(ok);
}

static void missing_file(void)
{
	struct mtan_module m = {1, 0x7f0000000000ull, 0x10000, 0, "/nonexistent/libgone.so", ""};
	struct mtan_symbolizer *s = mtan_symbolizer_new(&m, 1);
	struct mtan_sym sym;
	CHECK(s);
	mtan_symbolize(s, 0x7f0000001234ull, 1, &sym);
	CHECK(sym.module && !strcmp(sym.module, "/nonexistent/libgone.so"));
	CHECK_EQ_U(sym.offset, 0x1234);
	CHECK(!sym.function && !sym.file && !sym.line);
	/* outside every module: nothing at all */
	mtan_symbolize(s, 0x1000, 1, &sym);
	CHECK(!sym.module && !sym.function);
	mtan_symbolize(s, 0x7f0000010000ull, 1, &sym); /* one past the end */
	CHECK(!sym.module);
	mtan_symbolizer_free(s);
}

/* Two loads at one address (dlclose, then another dlopen): the later one explains it. */
static void overlap_latest(void)
{
	struct mtan_module m[2] = {
		{1, 0x7f0000000000ull, 0x10000, 0, "/nonexistent/first.so", ""},
		{5, 0x7f0000008000ull, 0x10000, 0, "/nonexistent/second.so", ""},
	};
	struct mtan_symbolizer *s = mtan_symbolizer_new(m, 2);
	struct mtan_sym sym;
	CHECK(s);
	mtan_symbolize(s, 0x7f0000009000ull, 1, &sym);
	CHECK(sym.module && !strcmp(sym.module, "/nonexistent/second.so"));
	CHECK_EQ_U(sym.offset, 0x1000);
	mtan_symbolizer_free(s);
}

/* The recorded build id must match the file's, or its symbols would be another build's. */
static void other_build(void)
{
	struct mtan_module m = self;
	m.build_id = "00112233445566778899aabbccddeeff00112233";
	struct mtan_symbolizer *s = mtan_symbolizer_new(&m, 1);
	struct mtan_sym sym;
	CHECK(s);
	mtan_symbolize(s, (uint64_t)(uintptr_t)symbols_probe + 1, 1, &sym);
	CHECK(sym.module && !sym.function);
	mtan_sym_release(&sym);
	mtan_symbolizer_free(s);
}

int main(void)
{
	ssize_t n = readlink("/proc/self/exe", self_path, sizeof self_path - 1);
	self_path[n > 0 ? n : 0] = 0;
	dl_iterate_phdr(self_cb, NULL);
	self.path = self_path;
	self.build_id = "";
	RUN(own_function);
	RUN(missing_file);
	RUN(overlap_latest);
	RUN(other_build);
	UNIT_EXIT();
}
