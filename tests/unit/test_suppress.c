/* Leak suppressions (analyze/suppress.c): LeakSanitizer's TemplateMatch semantics (a
 * substring, '*', '^' and '$'), the file format (leak: lines, comments, errors with their
 * line) and matching against a frame's function, module or file. */
#include "suppress.h"
#include "unit.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void template_match(void)
{
	CHECK(mtan_template_match("leak_buffers", "leak_buffers"));
	CHECK(mtan_template_match("buffers", "leak_buffers")); /* a substring */
	CHECK(!mtan_template_match("buffer$", "leak_buffers"));
	CHECK(mtan_template_match("buffers$", "leak_buffers"));
	CHECK(mtan_template_match("^leak", "leak_buffers"));
	CHECK(!mtan_template_match("^buffers", "leak_buffers"));
	CHECK(mtan_template_match("leak_*s", "leak_buffers"));
	CHECK(mtan_template_match("*pthread_exit*", "__pthread_exit_impl"));
	CHECK(mtan_template_match("^l*s$", "leak_buffers"));
	CHECK(!mtan_template_match("^l*x$", "leak_buffers"));
	CHECK(mtan_template_match("a*$", "abc")); /* '*' before '$': anything to the end */
	CHECK(mtan_template_match("libstdc++", "/usr/lib/x86_64-linux-gnu/libstdc++.so.6"));
	CHECK(!mtan_template_match("x", NULL));
	CHECK(!mtan_template_match("x", ""));
	CHECK(mtan_template_match("Factory::make", "Factory::make(int)"));
}

static char path[] = "/tmp/test_suppress.XXXXXX";

static int write_file(const char *text)
{
	int fd = mkstemp(path);
	if (fd < 0)
		return -1;
	int ok = write(fd, text, strlen(text)) == (ssize_t)strlen(text);
	close(fd);
	return ok ? 0 : -1;
}

static void file_format(void)
{
	struct mtan_supp s = {0};
	strcpy(path, "/tmp/test_suppress.XXXXXX");
	CHECK(!write_file("# a comment\n\n   leak:leak_config  \nleak:*.so.6\r\n\t# indented comment\nleak:^main$\n"));
	int rc = mtan_supp_load(&s, path);
	unlink(path);
	CHECK(rc == 0);
	CHECK_EQ_U(s.n, 3);
	CHECK(!strcmp(s.v[0].pattern, "leak_config"));
	CHECK(!strcmp(s.v[1].pattern, "*.so.6"));
	CHECK(!strcmp(s.v[2].pattern, "^main$"));
	CHECK(s.v[0].from && !strcmp(s.v[0].from, path));
	/* function, module or file: the first suppression that matches any */
	CHECK(mtan_supp_match(&s, "leak_config", "/bin/app", "app.c") == 0);
	CHECK(mtan_supp_match(&s, "f", "/lib/libc.so.6", NULL) == 1);
	CHECK(mtan_supp_match(&s, "main", NULL, NULL) == 2);
	CHECK(mtan_supp_match(&s, "mainly", "/bin/app", "main.c") == -1);
	mtan_supp_release(&s);
	mtan_supp_release(NULL);
}

static void bad_files(void)
{
	static const char *const bad[] = {"leak:ok\nrace:foo\n", "nonsense\n", "leak:\n"};
	for (int i = 0; i < 3; i++) {
		struct mtan_supp s = {0};
		strcpy(path, "/tmp/test_suppress.XXXXXX");
		CHECK(!write_file(bad[i]));
		int rc = mtan_supp_load(&s, path);
		unlink(path);
		mtan_supp_release(&s);
		CHECK(rc == -1);
	}
	struct mtan_supp s = {0};
	CHECK(mtan_supp_load(&s, "/nonexistent/supp.txt") == -1);
}

int main(void)
{
	RUN(template_match);
	RUN(file_format);
	RUN(bad_files);
	UNIT_EXIT();
}
