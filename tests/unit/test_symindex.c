/* The sorted symbol index (analyze/symindex.c) names every address as libdwfl's
 * dwfl_module_addrinfo does: byte by byte over a block of hand-made symbols (aliases of
 * each binding and size at one address, sizeless labels before, inside and after sized
 * symbols, a global sizeless label beside a local one, a global symbol nested in a local
 * one), and at the edges of sampled symbols and evenly spread addresses of real modules:
 * this program (.symtab), libc (its debug file's .symtab when installed), libstdc++,
 * libdw, and gcc's cc1 (29 k .dynsym symbols) when installed. */
#include "symindex.h"
#include "unit.h"

#include <glob.h>
#include <link.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The hand-made symbols, in a section of their own (offsets from sx_base):
 *   0  sx_base (global, sizeless), sx_glob (global, 32), sx_weak (weak, 16), sx_local
 *      (local, 8), sx_glob2 (global, 32), sx_weak2 (weak, 8)
 *  32  sx_label (local label)      36 sx_small (local, 4)     40 sx_label2 (local label)
 *  48  sx_llabel (local label) and sx_glabel (global label)
 *  56  sx_outer (local, 8)         58 sx_in (global, 2)
 *  64  sx_obj (local object label) 72 sx_tail (global, 0 then a weak 4 at 76: sx_wtail)
 *  80  nothing to 96 (sx_wtail, sized, hides sx_tail there)
 *  96  sx_lbig (local, 16) and sx_lsmall (local, 8), in that order
 * sx_abs is an absolute global at 0x40. */
__asm__(".pushsection .text.symindex_test,\"ax\",@progbits\n"
	".p2align 6\n"
	".globl sx_base\n"
	"sx_base:\n"
	".globl sx_glob\n.type sx_glob,@function\n.size sx_glob,32\n"
	"sx_glob:\n"
	".weak sx_weak\n.type sx_weak,@function\n.size sx_weak,16\n"
	"sx_weak:\n"
	".type sx_local,@function\n.size sx_local,8\n"
	"sx_local:\n"
	".globl sx_glob2\n.type sx_glob2,@function\n.size sx_glob2,32\n"
	"sx_glob2:\n"
	".weak sx_weak2\n.type sx_weak2,@function\n.size sx_weak2,8\n"
	"sx_weak2:\n"
	".fill 32,1,0x90\n"
	"sx_label:\n.fill 4,1,0x90\n"
	".type sx_small,@function\n.size sx_small,4\n"
	"sx_small:\n.fill 4,1,0x90\n"
	"sx_label2:\n.fill 8,1,0x90\n"
	"sx_llabel:\n"
	".globl sx_glabel\n"
	"sx_glabel:\n.fill 8,1,0x90\n"
	".type sx_outer,@function\n.size sx_outer,8\n"
	"sx_outer:\n.fill 2,1,0x90\n"
	".globl sx_in\n.type sx_in,@function\n.size sx_in,2\n"
	"sx_in:\n.fill 6,1,0x90\n"
	".type sx_obj,@object\n"
	"sx_obj:\n.fill 8,1,0x90\n"
	".globl sx_tail\n"
	"sx_tail:\n.fill 4,1,0x90\n"
	".weak sx_wtail\n.type sx_wtail,@function\n.size sx_wtail,4\n"
	"sx_wtail:\n.fill 4,1,0x90\n"
	".fill 16,1,0x90\n"
	".type sx_lbig,@function\n.size sx_lbig,16\n"
	"sx_lbig:\n"
	".type sx_lsmall,@function\n.size sx_lsmall,8\n"
	"sx_lsmall:\n.fill 16,1,0x90\n"
	".globl sx_abs\n.set sx_abs,0x40\n"
	".popsection\n");
extern const char sx_base[];

static char *debuginfo_path;
static const Dwfl_Callbacks callbacks = {
	.find_elf = dwfl_build_id_find_elf,
	.find_debuginfo = dwfl_standard_find_debuginfo,
	.section_address = dwfl_offline_section_address,
	.debuginfo_path = &debuginfo_path,
};

/* A libdwfl session of one file at base (as symbols.c reports one: the load bias). */
static Dwfl *open_module(const char *path, uint64_t base, Dwfl_Module **dm)
{
	Dwfl *dwfl = dwfl_begin(&callbacks);
	*dm = NULL;
	if (!dwfl)
		return NULL;
	dwfl_report_begin(dwfl);
	*dm = dwfl_report_elf(dwfl, "m", path, -1, base, true);
	dwfl_report_end(dwfl, NULL, NULL);
	return dwfl;
}

static const char *libdwfl_name(Dwfl_Module *dm, uint64_t a)
{
	GElf_Off off;
	GElf_Sym sym;
	return dwfl_module_addrinfo(dm, a, &off, &sym, NULL, NULL, NULL);
}

/* Whether both name a the same; says the first difference. */
static int same_at(Dwfl_Module *dm, struct mtan_symindex *x, const char *path, uint64_t a)
{
	const char *want = libdwfl_name(dm, a), *got = mtan_symindex_name(x, a);
	if (want == got || (want && got && !strcmp(want, got)))
		return 1;
	fprintf(stderr, "  %s at %#llx: libdwfl %s, index %s\n", path, (unsigned long long)a, want ? want : "(none)",
		got ? got : "(none)");
	return 0;
}

/* Compares them at the edges of about `picks` symbols and at `spread` addresses spread
 * over the module. 1 all the same (or the file cannot be read here), 0 not. */
static int module_same(const char *path, uint64_t base, int picks, int spread, int *symbols)
{
	Dwfl_Module *dm;
	Dwfl *dwfl = open_module(path, base, &dm);
	struct mtan_symindex *x = dm ? mtan_symindex_new(dm) : NULL;
	int ok = 1, n = dm ? dwfl_module_getsymtab(dm) : -1;
	*symbols = n;
	if (!x)
		goto out;
	int step = n > picks ? n / picks : 1;
	for (int i = 1; ok && i < n; i += step) {
		GElf_Sym sym;
		GElf_Addr v;
		GElf_Word shndx;
		if (!dwfl_module_getsym_info(dm, i, &sym, &v, &shndx, NULL, NULL))
			continue;
		uint64_t at[] = {v - 1, v, v + 1, v + sym.st_size / 2, v + sym.st_size - 1, v + sym.st_size,
				 v + sym.st_size + 1};
		for (size_t k = 0; ok && k < sizeof at / sizeof at[0]; k++)
			ok = same_at(dm, x, path, at[k]);
	}
	Dwarf_Addr lo, hi;
	if (ok && dwfl_module_info(dm, NULL, &lo, &hi, NULL, NULL, NULL, NULL) && hi > lo)
		for (int k = 0; ok && k < spread; k++)
			ok = same_at(dm, x, path, lo + (hi - lo) / (uint64_t)spread * (uint64_t)k + (uint64_t)k % 7);
out:
	mtan_symindex_free(x);
	if (dwfl)
		dwfl_end(dwfl);
	return ok;
}

struct loaded {
	const char *want; /* a part of the file name */
	char path[4096];
	uint64_t base;
};

static int find_loaded(struct dl_phdr_info *info, size_t sz, void *arg)
{
	(void)sz;
	struct loaded *l = arg;
	const char *name = info->dlpi_name;
	if (!l->want ? name && *name : !name || !strstr(name, l->want))
		return 0;
	if (!l->want) {
		ssize_t n = readlink("/proc/self/exe", l->path, sizeof l->path - 1);
		if (n <= 0)
			return 0;
		l->path[n] = 0;
	} else {
		snprintf(l->path, sizeof l->path, "%s", name);
	}
	l->base = info->dlpi_addr;
	return 1;
}

/* Whether the index names a want (or alt). */
static int named2(struct mtan_symindex *x, uint64_t a, const char *want, const char *alt)
{
	const char *got = mtan_symindex_name(x, a);
	if (want == got || (want && got && !strcmp(want, got)) || (alt && got && !strcmp(alt, got)))
		return 1;
	fprintf(stderr, "  sx_base%+lld: %s, expected %s\n", (long long)(a - (uint64_t)(uintptr_t)sx_base),
		got ? got : "(none)", want ? want : "(none)");
	return 0;
}

static int named(struct mtan_symindex *x, uint64_t a, const char *want)
{
	return named2(x, a, want, NULL);
}

static void handmade(void)
{
	struct loaded self = {NULL, "", 0};
	CHECK(dl_iterate_phdr(find_loaded, &self) == 1);
	Dwfl_Module *dm;
	Dwfl *dwfl = open_module(self.path, self.base, &dm);
	CHECK(dwfl && dm);
	struct mtan_symindex *x = mtan_symindex_new(dm);
	int ok = x != NULL;
	/* the session's addresses are the process's: the module was reported at its bias */
	uint64_t b = (uint64_t)(uintptr_t)sx_base;
	for (uint64_t a = b - 8; ok && a < b + 120; a++)
		ok = same_at(dm, x, "sx_base", a);
	for (uint64_t a = 0x38; ok && a < 0x48; a++)
		ok = same_at(dm, x, "sx_abs", a);
	/* what libdwfl's rules give, so that a test of the test would see a change (the
	 * names are the session's: compared before it ends); at +4 the first of the two
	 * equal globals in the table, which the linker orders */
	int rules = x && named2(x, b + 4, "sx_glob2", "sx_glob") && named(x, b + 34, "sx_label") && named(x, b + 39, "sx_small") &&
		    named(x, b + 44, "sx_label2") && named(x, b + 48, "sx_glabel") && named(x, b + 50, "sx_llabel") &&
		    named(x, b + 57, "sx_outer") && named(x, b + 58, "sx_in") && named(x, b + 66, "sx_obj") &&
		    named(x, b + 77, "sx_wtail") && named(x, b + 73, "sx_tail") && named(x, b + 90, NULL) &&
		    named(x, b + 97, "sx_lsmall") && named(x, b + 105, "sx_lbig") && named(x, 0x40, "sx_abs") &&
		    named(x, 0x41, NULL);
	mtan_symindex_free(x);
	dwfl_end(dwfl);
	CHECK(ok);
	CHECK(rules);
}

static void this_program(void)
{
	struct loaded self = {NULL, "", 0};
	int n;
	CHECK(dl_iterate_phdr(find_loaded, &self) == 1);
	CHECK(module_same(self.path, self.base, 1000000, 2000, &n));
	CHECK(n > 150); /* .symtab was read, not .dynsym alone */
}

static void libraries(void)
{
	const char *libs[] = {"libc.so", "libstdc++.so", "libdw.so"};
	for (size_t i = 0; i < sizeof libs / sizeof libs[0]; i++) {
		struct loaded l = {libs[i], "", 0};
		int n;
		CHECK(dl_iterate_phdr(find_loaded, &l) == 1);
		CHECK(module_same(l.path, l.base, 400, 400, &n));
		CHECK(n > 100);
	}
}

static void cc1(void)
{
	glob_t g;
	if (glob("/usr/lib/gcc/*/*/cc1", 0, NULL, &g) || !g.gl_pathc) {
		fprintf(stderr, "  (no cc1 installed: skipped)\n");
		globfree(&g);
		return;
	}
	int n, ok = module_same(g.gl_pathv[0], 0x7f0000000000ull, 150, 150, &n);
	globfree(&g);
	CHECK(ok);
}

int main(void)
{
	elf_version(EV_CURRENT);
	RUN(handmade);
	RUN(this_program);
	RUN(libraries);
	RUN(cc1);
	UNIT_EXIT();
}
