/* speedscope.c: `mtan export --as speedscope`: speedscope's own JSON file format
 * (https://www.speedscope.app/file-format-schema.json): one sampled profile of the bytes
 * leaked and one of the bytes live at the peak, a sample per allocation stack weighed in
 * bytes, over one shared table of frames with their files and lines. */
#include "intern.h"
#include "opts.h"
#include "output.h"
#include "speedscope.h"
#include "sql.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *of;   /* flame.sql's section */
	const char *name; /* the profile's, as speedscope shows it */
} profiles[] = {
	{"leaked", "leaked bytes"},
	{"peak", "bytes live at the peak"},
};

/* A frame's name as the reports and folded stacks give it (mtan_frame_label). Caller frees;
 * NULL on no memory. */
static char *frame_name(sqlite3_stmt *fr)
{
	return mtan_frame_label((const char *)sqlite3_column_text(fr, 0), (const char *)sqlite3_column_text(fr, 1),
				(uint64_t)sqlite3_column_int64(fr, 2), (uint64_t)sqlite3_column_int64(fr, 3), 0);
}

/* The shared frame of fr's row: its number in frames (keyed by name, file and line). -1
 * on no memory. */
static long frame_index(struct mtan_intern *frames, sqlite3_stmt *fr)
{
	char *name = frame_name(fr), *key = NULL;
	const char *file = (const char *)sqlite3_column_text(fr, 4);
	long i = -1;
	int len;
	if (name && (len = asprintf(&key, "%s%c%s%c%lld", name, 0, file ? file : "", 0,
				    sqlite3_column_type(fr, 5) == SQLITE_NULL ? -1LL : sqlite3_column_int64(fr, 5))) >= 0)
		i = mtan_intern(frames, key, (size_t)len, NULL);
	free(name);
	free(key);
	return i;
}

/* One profile: the samples (stacks as frame numbers, outermost first) then their weights. */
static int profile(sqlite3 *db, const struct mtan_opts *o, int which, struct mtan_intern *frames, FILE *f)
{
	sqlite3_stmt *st = NULL, *fr = NULL;
	long long *w = NULL, total = 0;
	size_t n = 0, cap = 0;
	int rc, ret = -1;
	if (mtan_prepare(db, "flame", profiles[which].of, &st) || mtan_prepare(db, "speedscope", "frames", &fr))
		goto out;
	mtan_bind_common(st, o);
	fputs("{\"type\":\"sampled\",\"name\":", f);
	mtan_json_str(f, profiles[which].name);
	fputs(",\"unit\":\"bytes\",\"startValue\":0,\"samples\":[", f);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		long long bytes = sqlite3_column_int64(st, 1);
		int k = 0;
		if (bytes <= 0)
			continue;
		if (n == cap) {
			long long *v = realloc(w, (cap = cap ? cap * 2 : 256) * sizeof(*v));
			if (!v)
				goto nomem;
			w = v;
		}
		w[n] = bytes;
		fprintf(f, "%s[", n ? "," : "");
		n++;
		total += bytes;
		if (sqlite3_column_type(st, 0) != SQLITE_NULL) {
			sqlite3_reset(fr);
			sqlite3_bind_int64(fr, 1, sqlite3_column_int64(st, 0));
			while ((rc = sqlite3_step(fr)) == SQLITE_ROW) {
				long i = frame_index(frames, fr);
				if (i < 0)
					goto nomem;
				fprintf(f, "%s%ld", k++ ? "," : "", i);
			}
			if (rc != SQLITE_DONE)
				goto sqlerr;
		}
		if (!k) {
			long i = mtan_intern(frames, "[no stack]\0\0-1", 14, NULL);
			if (i < 0)
				goto nomem;
			fprintf(f, "%ld", i);
		}
		fputc(']', f);
	}
	if (rc != SQLITE_DONE)
		goto sqlerr;
	fputs("],\"weights\":[", f);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s%lld", i ? "," : "", w[i]);
	fprintf(f, "],\"endValue\":%lld}", total);
	ret = 0;
	goto out;
nomem:
	mtan_err("out of memory");
	goto out;
sqlerr:
	mtan_sqlerr(db, "cannot read the database");
out:
	free(w);
	sqlite3_finalize(st);
	sqlite3_finalize(fr);
	return ret;
}

int mtan_export_speedscope(sqlite3 *db, const struct mtan_opts *o, FILE *f)
{
	struct mtan_intern frames = {0};
	int ret = -1;
	const char *base = strrchr(o->input, '/') ? strrchr(o->input, '/') + 1 : o->input;
	fputs("{\"$schema\":\"https://www.speedscope.app/file-format-schema.json\",\n\"name\":", f);
	mtan_json_str(f, base);
	fputs(",\n\"exporter\":\"mtan " MTAN_VERSION "\",\n\"activeProfileIndex\":0,\n\"profiles\":[\n", f);
	for (size_t i = 0; i < sizeof profiles / sizeof profiles[0]; i++) {
		if (i)
			fputs(",\n", f);
		if (profile(db, o, (int)i, &frames, f))
			goto out;
	}
	fputs("],\n\"shared\":{\"frames\":[", f);
	for (size_t i = 0; i < frames.n; i++) {
		/* the key: name, NUL, file, NUL, line (-1: none) */
		const char *name = frames.key[i];
		const char *file = name + strlen(name) + 1;
		long long line = strtoll(file + strlen(file) + 1, NULL, 10);
		fputs(i ? ",\n{\"name\":" : "\n{\"name\":", f);
		mtan_json_str(f, name);
		if (*file) {
			fputs(",\"file\":", f);
			mtan_json_str(f, file);
		}
		if (line > 0)
			fprintf(f, ",\"line\":%lld", line);
		fputc('}', f);
	}
	fputs("]}}\n", f);
	ret = 0;
out:
	mtan_intern_release(&frames);
	return ret;
}
