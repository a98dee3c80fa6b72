/* test_fuzz_replay: runs the fuzzers' harnesses over the committed corpus and the crash
 * regressions, so `make check` keeps every input the fuzzers ever broke the format with.
 * Reads $TOP/tests/fuzz/{corpus,regressions}/{decoder,records,roundtrip}/, each directory
 * with its harness; each file runs in a child process so a crash names its file. Prints
 * "ok"/"FAIL" per corpus directory and per regression file. With arguments, replays those
 * files or directories instead, with the harness their path names (decoder if none). */
#include "harness.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int read_file(const char *path, uint8_t **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -errno;
	int ret = 0;
	*buf = NULL;
	*len = 0;
	size_t cap = 0;
	for (;;) {
		if (*len == cap) {
			cap = cap ? cap * 2 : 4096;
			uint8_t *p = realloc(*buf, cap);
			if (!p) {
				ret = -ENOMEM;
				break;
			}
			*buf = p;
		}
		size_t k = fread(*buf + *len, 1, cap - *len, f);
		*len += k;
		if (k == 0) {
			if (ferror(f))
				ret = -EIO;
			break;
		}
	}
	fclose(f);
	if (ret) {
		free(*buf);
		*buf = NULL;
	}
	return ret;
}

enum harness { DECODER, RECORDS, ROUNDTRIP };
static const char *const harness_names[] = {"decoder", "records", "roundtrip"};

static enum harness harness_of(const char *path)
{
	return strstr(path, "roundtrip") ? ROUNDTRIP : strstr(path, "records") ? RECORDS : DECODER;
}

/* Runs one input in a child; 0 when the harness came back normally. */
static int replay_file(const char *path, enum harness h)
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "  cannot fork: %s\n", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		uint8_t *buf;
		size_t len;
		int ret = read_file(path, &buf, &len);
		if (ret) {
			fprintf(stderr, "  cannot read '%s': %s\n", path, strerror(-ret));
			exit(1);
		}
		if (h == RECORDS)
			fuzz_records(buf, len);
		else if (h == ROUNDTRIP)
			fuzz_roundtrip(buf, len);
		else
			fuzz_decode(buf, len);
		free(buf);
		exit(0); /* not _exit: LeakSanitizer checks at exit */
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	if (WIFSIGNALED(st))
		fprintf(stderr, "  '%s': killed by signal %d\n", path, WTERMSIG(st));
	else
		fprintf(stderr, "  '%s': exit %d\n", path, WEXITSTATUS(st));
	return -1;
}

static int is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted regular files of dir (caller frees each and the array); -1 if it cannot be read. */
static int list_dir(const char *dir, char ***out)
{
	DIR *d = opendir(dir);
	*out = NULL;
	if (!d)
		return -1;
	int n = 0, cap = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		char path[4096];
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		if (is_dir(path))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			char **p = realloc(*out, (size_t)cap * sizeof(char *));
			if (!p)
				break;
			*out = p;
		}
		(*out)[n++] = strdup(path);
	}
	closedir(d);
	if (n)
		qsort(*out, (size_t)n, sizeof(char *), cmp_str);
	return n;
}

static int failures;

/* One line for the whole directory. */
static void replay_corpus(const char *top, const char *name)
{
	char dir[4096];
	char **files;
	snprintf(dir, sizeof dir, "%s/tests/fuzz/corpus/%s", top, name);
	int n = list_dir(dir, &files), bad = 0;
	for (int i = 0; i < n; i++) {
		bad += replay_file(files[i], harness_of(name)) != 0;
		free(files[i]);
	}
	free(files);
	if (n <= 0)
		fprintf(stderr, "  no corpus in '%s'\n", dir);
	int ok = n > 0 && bad == 0;
	printf("%s corpus_%s (%d files)\n", ok ? "ok" : "FAIL", name, n < 0 ? 0 : n);
	failures += !ok;
}

/* One line per file. */
static void replay_regressions(const char *top, const char *name)
{
	char dir[4096];
	char **files;
	snprintf(dir, sizeof dir, "%s/tests/fuzz/regressions/%s", top, name);
	int n = list_dir(dir, &files);
	for (int i = 0; i < n; i++) {
		int ok = replay_file(files[i], harness_of(name)) == 0;
		const char *base = strrchr(files[i], '/');
		printf("%s regression_%s_%s\n", ok ? "ok" : "FAIL", name, base ? base + 1 : files[i]);
		failures += !ok;
		free(files[i]);
	}
	free(files);
}

int main(int argc, char **argv)
{
	if (argc > 1) { /* by hand: replay what is named */
		for (int i = 1; i < argc; i++) {
			enum harness h = harness_of(argv[i]);
			char **files = NULL;
			int n = is_dir(argv[i]) ? list_dir(argv[i], &files) : -1;
			if (n < 0) {
				int ok = replay_file(argv[i], h) == 0;
				printf("%s %s\n", ok ? "ok" : "FAIL", argv[i]);
				failures += !ok;
			}
			for (int j = 0; j < n; j++) {
				int ok = replay_file(files[j], h) == 0;
				printf("%s %s\n", ok ? "ok" : "FAIL", files[j]);
				failures += !ok;
				free(files[j]);
			}
			free(files);
		}
		return failures ? 1 : 0;
	}
	const char *top = getenv("TOP");
	if (!top || !*top)
		top = ".";
	for (int i = 0; i < 3; i++)
		replay_corpus(top, harness_names[i]);
	for (int i = 0; i < 3; i++)
		replay_regressions(top, harness_names[i]);
	return failures ? 1 : 0;
}
