/* The symbol cache (analyze/symcache.c): results read back from disk exactly as they were
 * put (odd strings, NULLs, inlined calls); a file of other options or other files is not
 * read; a truncated or damaged file is ignored whole, never half read, and written again;
 * spaces without a usable build id stay in memory. */
#include "symcache.h"
#include "unit.h"
#include "symbols.h"
#include "sym.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[64];

static void cleanup(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[512];
	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.') {
			snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
			unlink(p);
		}
	if (d)
		closedir(d);
}

static int files_in_dir(char *name, size_t cap)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;
	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.') {
			if (name)
				snprintf(name, cap, "%s/%s", dir, e->d_name);
			n++;
		}
	if (d)
		closedir(d);
	return n;
}

static struct mtan_inlined inl[2] = {{"inner fn", "/src/a b.c", 7}, {NULL, "tab\there", -3}};
static const struct mtan_sym odd = {NULL, 0, "ns::f(int, char const*) \\ \n\x7f\xc3\xa9", NULL, 42, inl, 2};
static const struct mtan_sym plain = {NULL, 0, "main", "/src/main.c", 12, NULL, 0};

static int same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

static int same_sym(const struct mtan_sym *a, const struct mtan_sym *b)
{
	if (!same_str(a->function, b->function) || !same_str(a->file, b->file) || a->line != b->line ||
	    a->ninlined != b->ninlined)
		return 0;
	for (size_t i = 0; i < a->ninlined; i++)
		if (!same_str(a->inlined[i].function, b->inlined[i].function) ||
		    !same_str(a->inlined[i].file, b->inlined[i].file) || a->inlined[i].line != b->inlined[i].line)
			return 0;
	return 1;
}

/* Writes the two entries for build id "ab12" under options "o", files "fp". */
static int write_two(void)
{
	struct mtan_symcache *c = mtan_symcache_new(dir, "o");
	if (!c)
		return -1;
	uint32_t sp = mtan_symcache_space(c, "ab12", "fp");
	int rc = !sp || mtan_symcache_put(c, sp, 0x1234, 1, &odd) || mtan_symcache_put(c, sp, 0x99, 0, &plain) ? -1 : 0;
	mtan_symcache_save(c);
	mtan_symcache_free(c);
	return rc;
}

/* How many of the two entries a fresh cache reads back (each checked), -1 on a mismatch. */
static int read_two(const char *options, const char *fp, uint64_t *hits)
{
	struct mtan_symcache *c = mtan_symcache_new(dir, options);
	struct mtan_sym got;
	int n = 0;
	if (!c)
		return -1;
	uint32_t sp = mtan_symcache_space(c, "ab12", fp);
	memset(&got, 0, sizeof(got));
	if (mtan_symcache_get(c, sp, 0x1234, 1, &got))
		n = same_sym(&got, &odd) ? n + 1 : -100;
	mtan_sym_release(&got);
	if (mtan_symcache_get(c, sp, 0x99, 0, &got))
		n = same_sym(&got, &plain) ? n + 1 : -100;
	mtan_sym_release(&got);
	if (mtan_symcache_get(c, sp, 0x99, 1, &got)) /* the return flag is part of the key */
		n = -100;
	mtan_sym_release(&got);
	if (hits)
		*hits = mtan_symcache_hits(c);
	mtan_symcache_free(c);
	return n < 0 ? -1 : n;
}

static void round_trip(void)
{
	uint64_t hits = 0;
	cleanup();
	CHECK(write_two() == 0);
	CHECK(files_in_dir(NULL, 0) == 1);
	CHECK(read_two("o", "fp", &hits) == 2);
	CHECK_EQ_U(hits, 2);
}

static void others_not_read(void)
{
	cleanup();
	CHECK(write_two() == 0);
	CHECK(read_two("other options", "fp", NULL) == 0);
	CHECK(read_two("o", "other files", NULL) == 0);
	CHECK(read_two("o", "fp", NULL) == 2);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = malloc(1 << 16);
	*len = f && buf ? fread(buf, 1, 1 << 16, f) : 0;
	if (f)
		fclose(f);
	return buf;
}

static void put_file(const char *path, const char *buf, size_t len)
{
	FILE *f = fopen(path, "wb");
	if (f) {
		fwrite(buf, 1, len, f);
		fclose(f);
	}
}

/* Every truncation and every single changed byte: nothing read (the checksum, the
 * parser's bounds), no crash under ASan. */
static void damaged(void)
{
	char path[512];
	size_t len;
	cleanup();
	CHECK(write_two() == 0);
	CHECK(files_in_dir(path, sizeof path) == 1);
	char *good = slurp(path, &len);
	CHECK(good && len > 100);
	char *bad = malloc(len);
	CHECK(bad);
	for (size_t cut = 0; cut < len; cut++) {
		put_file(path, good, cut);
		if (read_two("o", "fp", NULL) != 0) {
			fprintf(stderr, "  read a file cut at %zu of %zu\n", cut, len);
			unit_failed_now = 1;
			break;
		}
	}
	for (size_t i = 0; i < len && !unit_failed_now; i++) {
		static const unsigned char flips[] = {0x01, 0x20, 0x80, 0xff};
		for (size_t k = 0; k < sizeof flips; k++) {
			memcpy(bad, good, len);
			bad[i] = (char)(bad[i] ^ flips[k]);
			put_file(path, bad, len);
			if (read_two("o", "fp", NULL) != 0) {
				fprintf(stderr, "  read a file with byte %zu changed\n", i);
				unit_failed_now = 1;
				break;
			}
		}
	}
	free(bad);
	free(good);
	if (unit_failed_now)
		return;
	/* written again whole by the next load that resolves something */
	CHECK(write_two() == 0);
	CHECK(read_two("o", "fp", NULL) == 2);
}

/* No build id, or one unfit for a file name: in memory alone, nothing on disk. */
static void memory_only(void)
{
	cleanup();
	struct mtan_symcache *c = mtan_symcache_new(dir, "o");
	CHECK(c);
	uint32_t a = mtan_symcache_space(c, "", "fp"), b = mtan_symcache_space(c, "../../etc", "fp"),
		 d = mtan_symcache_space(c, NULL, NULL);
	struct mtan_sym got;
	memset(&got, 0, sizeof(got));
	int ok = a && b && d && a != b && b != d && !mtan_symcache_put(c, a, 1, 0, &plain) &&
		 !mtan_symcache_put(c, b, 1, 0, &plain) && !mtan_symcache_put(c, d, 1, 0, &plain) &&
		 mtan_symcache_get(c, a, 1, 0, &got) && same_sym(&got, &plain);
	mtan_sym_release(&got);
	mtan_symcache_save(c);
	mtan_symcache_free(c);
	CHECK(ok);
	CHECK(files_in_dir(NULL, 0) == 0);
}

/* One build id and fingerprint is one space, however many files map it. */
static void shared_space(void)
{
	struct mtan_symcache *c = mtan_symcache_new(NULL, "o");
	CHECK(c);
	uint32_t a = mtan_symcache_space(c, "ab12", "fp"), b = mtan_symcache_space(c, "ab12", "fp"),
		 d = mtan_symcache_space(c, "ab12", "fp2");
	mtan_symcache_free(c);
	CHECK(a && a == b && d && d != a);
}

static void dir_setting(void)
{
	char *d;
	setenv("XDG_CACHE_HOME", "/x/cache", 1);
	d = mtan_symcache_dir();
	int ok = d && !strcmp(d, "/x/cache/mtan/symbols");
	free(d);
	CHECK(ok);
	setenv("XDG_CACHE_HOME", "relative", 1); /* invalid by the XDG spec: $HOME's */
	setenv("HOME", "/home/u", 1);
	d = mtan_symcache_dir();
	ok = d && !strcmp(d, "/home/u/.cache/mtan/symbols");
	free(d);
	CHECK(ok);
	setenv("MTAN_SYMBOL_CACHE", "off", 1);
	d = mtan_symcache_dir();
	CHECK(!d);
	unsetenv("MTAN_SYMBOL_CACHE");
}

int main(void)
{
	snprintf(dir, sizeof dir, "/tmp/test_symcache.XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	RUN(round_trip);
	RUN(others_not_read);
	RUN(damaged);
	RUN(memory_only);
	RUN(shared_space);
	RUN(dir_setting);
	cleanup();
	rmdir(dir);
	UNIT_EXIT();
}
