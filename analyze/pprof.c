/* pprof.c: `mtan export --as pprof`: the trace as a heap profile in pprof's profile.proto
 * (github.com/google/pprof, proto/profile.proto), gzip-compressed as pprof reads it. The
 * protobuf wire format is written here by hand: a handful of varints and nested lengths,
 * not worth a code generator and its runtime. */
#include "intern.h"
#include "opts.h"
#include "output.h"
#include "pprof.h"
#include "sql.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* profile.proto's field numbers */
enum {
	PROFILE_SAMPLE_TYPE = 1, PROFILE_SAMPLE = 2, PROFILE_MAPPING = 3, PROFILE_LOCATION = 4,
	PROFILE_FUNCTION = 5, PROFILE_STRING_TABLE = 6, PROFILE_TIME_NANOS = 9,
	PROFILE_DURATION_NANOS = 10, PROFILE_COMMENT = 13, PROFILE_DEFAULT_SAMPLE_TYPE = 14,
	VALUE_TYPE_TYPE = 1, VALUE_TYPE_UNIT = 2,
	SAMPLE_LOCATION_ID = 1, SAMPLE_VALUE = 2, SAMPLE_LABEL = 3,
	LABEL_KEY = 1, LABEL_STR = 2, LABEL_NUM = 3,
	MAPPING_ID = 1, MAPPING_MEMORY_START = 2, MAPPING_MEMORY_LIMIT = 3, MAPPING_FILENAME = 5,
	MAPPING_BUILD_ID = 6, MAPPING_HAS_FUNCTIONS = 7, MAPPING_HAS_FILENAMES = 8,
	MAPPING_HAS_LINE_NUMBERS = 9, MAPPING_HAS_INLINE_FRAMES = 10,
	LOCATION_ID = 1, LOCATION_MAPPING_ID = 2, LOCATION_ADDRESS = 3, LOCATION_LINE = 4,
	LINE_FUNCTION_ID = 1, LINE_LINE = 2,
	FUNCTION_ID = 1, FUNCTION_NAME = 2, FUNCTION_SYSTEM_NAME = 3, FUNCTION_FILENAME = 4,
};
enum { WIRE_LEN = 2 }; /* wire types: 0 a varint, 2 length-delimited */

/* The sample values, in sample_type's order. */
static const char *const value_types[][2] = {
	{"alloc_objects", "count"}, {"alloc_space", "bytes"}, {"inuse_space", "bytes"}, {"leaked_space", "bytes"},
};
#define NVALUES 4

/* A message being encoded; nomem sticks once memory ran out. */
struct pb {
	unsigned char *p;
	size_t n, cap;
	int nomem;
};

static void put(struct pb *b, const void *p, size_t n)
{
	if (b->nomem)
		return;
	if (b->n + n > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->n + n)
			cap *= 2;
		unsigned char *q = realloc(b->p, cap);
		if (!q) {
			b->nomem = 1;
			return;
		}
		b->p = q;
		b->cap = cap;
	}
	memcpy(b->p + b->n, p, n);
	b->n += n;
}

static void varint(struct pb *b, uint64_t v)
{
	unsigned char tmp[10];
	size_t n = 0;
	do {
		tmp[n++] = (unsigned char)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		v >>= 7;
	} while (v);
	put(b, tmp, n);
}

/* A varint field; zero is proto3's default and is left out, as encoders do. */
static void field_u(struct pb *b, int field, uint64_t v)
{
	if (!v)
		return;
	varint(b, (uint64_t)field << 3); /* wire type 0: a varint */
	varint(b, v);
}

static void field_bytes(struct pb *b, int field, const void *p, size_t n)
{
	varint(b, (uint64_t)field << 3 | WIRE_LEN);
	varint(b, n);
	put(b, p, n);
}

/* A repeated varint field, packed (proto3's encoding of repeated scalars). */
static void field_packed(struct pb *b, int field, const uint64_t *v, size_t n)
{
	struct pb tmp = {0};
	if (!n)
		return;
	for (size_t i = 0; i < n; i++)
		varint(&tmp, v[i]);
	if (tmp.nomem)
		b->nomem = 1;
	else
		field_bytes(b, field, tmp.p, tmp.n);
	free(tmp.p);
}

/* The output: a gzip stream written to f as it is made. */
struct gz {
	z_stream z;
	FILE *f;
	int err; /* 1: zlib failed; 2: a write failed (the caller tells, by ferror) */
	unsigned char out[1 << 16];
};

static void gz_run(struct gz *g, const void *p, size_t n, int flush)
{
	g->z.next_in = (unsigned char *)p;
	g->z.avail_in = (uInt)n;
	do {
		g->z.next_out = g->out;
		g->z.avail_out = sizeof g->out;
		int rc = deflate(&g->z, flush);
		if (rc == Z_STREAM_ERROR) {
			g->err = 1;
			return;
		}
		size_t have = sizeof g->out - g->z.avail_out;
		if (have && fwrite(g->out, 1, have, g->f) != have)
			g->err = 2;
	} while (!g->err && (g->z.avail_out == 0 || (flush == Z_FINISH && g->z.avail_in)));
}

/* One top-level field of Profile: the Profile message is its fields one after the other,
 * so each goes out as soon as it is complete. The message m is emptied for the next. */
static void emit(struct gz *g, int field, struct pb *m)
{
	struct pb head = {0};
	varint(&head, (uint64_t)field << 3 | WIRE_LEN);
	varint(&head, m->n);
	if (head.nomem || m->nomem)
		g->err = 1;
	else {
		gz_run(g, head.p, head.n, Z_NO_FLUSH);
		gz_run(g, m->p, m->n, Z_NO_FLUSH);
	}
	free(head.p);
	m->n = 0;
}

static void emit_varint(struct gz *g, int field, uint64_t v)
{
	struct pb b = {0};
	field_u(&b, field, v);
	if (b.nomem)
		g->err = 1;
	else
		gz_run(g, b.p, b.n, Z_NO_FLUSH);
	free(b.p);
}

/* Everything one export holds while it runs. */
struct pprof {
	sqlite3 *db;
	struct gz *g;
	struct pb m, sub;
	struct mtan_intern strings;   /* string_table: "" first, as profile.proto requires */
	struct mtan_intern functions; /* (name, file) string numbers -> function id - 1 */
	struct mtan_intern mappings;  /* "path\0" base -> mapping id - 1 */
	uint64_t *locs;               /* one sample's location ids */
	size_t nlocs, caplocs;
	int64_t max_location;
	int nomem;
};

static uint64_t str(struct pprof *pp, const char *s)
{
	long i = mtan_intern_str(&pp->strings, s);
	if (i < 0) {
		pp->nomem = 1;
		return 0;
	}
	return (uint64_t)i;
}

static uint64_t function_id(struct pprof *pp, const char *name, const char *file)
{
	int64_t key[2] = {(int64_t)str(pp, name), (int64_t)str(pp, file)};
	long i = mtan_intern(&pp->functions, key, sizeof key, NULL);
	if (i < 0) {
		pp->nomem = 1;
		return 0;
	}
	return (uint64_t)i + 1;
}

/* The mapping of a frame in module at base; 0 when it was not among the mappings. */
static uint64_t mapping_id(struct pprof *pp, const char *module, int64_t base, int add)
{
	size_t len = strlen(module);
	char *key = malloc(len + 1 + sizeof base);
	if (!key) {
		pp->nomem = 1;
		return 0;
	}
	memcpy(key, module, len + 1);
	memcpy(key + len + 1, &base, sizeof base);
	int added = 0;
	long i = mtan_intern(&pp->mappings, key, len + 1 + sizeof base, &added);
	free(key);
	if (i < 0) {
		pp->nomem = 1;
		return 0;
	}
	if (added && !add)
		return 0; /* not a mapping written: no id (the key is harmless) */
	return (uint64_t)i + 1;
}

static int write_mappings(struct pprof *pp, const struct mtan_opts *o)
{
	sqlite3_stmt *st = NULL;
	int rc, ret = -1;
	if (mtan_prepare(pp->db, "pprof", "mappings", &st))
		return -1;
	mtan_bind_common(st, o);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *path = (const char *)sqlite3_column_text(st, 0);
		int64_t base = sqlite3_column_int64(st, 1), size = sqlite3_column_int64(st, 2);
		const char *build_id = (const char *)sqlite3_column_text(st, 3);
		struct pb *m = &pp->m;
		field_u(m, MAPPING_ID, mapping_id(pp, path, base, 1));
		field_u(m, MAPPING_MEMORY_START, (uint64_t)base);
		if (size > 0)
			field_u(m, MAPPING_MEMORY_LIMIT, (uint64_t)base + (uint64_t)size);
		field_u(m, MAPPING_FILENAME, str(pp, path));
		field_u(m, MAPPING_BUILD_ID, build_id ? str(pp, build_id) : 0);
		/* symbolized at load: pprof must not look the addresses up again */
		field_u(m, MAPPING_HAS_FUNCTIONS, 1);
		field_u(m, MAPPING_HAS_FILENAMES, 1);
		field_u(m, MAPPING_HAS_LINE_NUMBERS, 1);
		field_u(m, MAPPING_HAS_INLINE_FRAMES, 1);
		emit(pp->g, PROFILE_MAPPING, m);
	}
	if (rc != SQLITE_DONE)
		mtan_sqlerr(pp->db, "cannot read the database");
	else
		ret = 0;
	sqlite3_finalize(st);
	return ret;
}

/* A frame's function as the reports name one without a symbol: module+0xoffset, else the
 * address (flame.c's names). Caller frees; NULL on no memory. */
static char *frame_function(const char *function, const char *module, int64_t offset, int64_t address)
{
	char *s = NULL;
	if (function)
		return strdup(function);
	if (module) {
		const char *base = strrchr(module, '/') ? strrchr(module, '/') + 1 : module;
		if (asprintf(&s, "%s+0x%" PRIx64, base, (uint64_t)offset) < 0)
			s = NULL;
	} else if (asprintf(&s, "0x%" PRIx64, (uint64_t)address) < 0)
		s = NULL;
	return s;
}

/* Ends the location being gathered in pp->sub (its lines): id, mapping and address first. */
static void end_location(struct pprof *pp, int64_t id, uint64_t mapping, int64_t address)
{
	struct pb *m = &pp->m;
	field_u(m, LOCATION_ID, (uint64_t)id);
	field_u(m, LOCATION_MAPPING_ID, mapping);
	field_u(m, LOCATION_ADDRESS, (uint64_t)address);
	put(m, pp->sub.p, pp->sub.n);
	if (pp->sub.nomem)
		m->nomem = 1;
	pp->sub.n = 0;
	emit(pp->g, PROFILE_LOCATION, m);
	if (id > pp->max_location)
		pp->max_location = id;
}

/* One location per (pid, address): a Line per frames row, innermost first, so the last is
 * the function the inlined ones were inlined into (profile.proto's order); its id is that
 * last row's frames id, which stack_frames names for the recorded frame. */
static int write_locations(struct pprof *pp, const struct mtan_opts *o)
{
	sqlite3_stmt *st = NULL;
	int rc, ret = -1;
	int64_t pid = -1, address = 0, id = 0;
	uint64_t mapping = 0;
	int open = 0;
	if (mtan_prepare(pp->db, "pprof", "frames", &st))
		return -1;
	mtan_bind_common(st, o);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t fid = sqlite3_column_int64(st, 0), p = sqlite3_column_int64(st, 1);
		int64_t addr = sqlite3_column_int64(st, 2), offset = sqlite3_column_int64(st, 4);
		const char *module = (const char *)sqlite3_column_text(st, 3);
		if (open && (p != pid || addr != address))
			end_location(pp, id, mapping, address);
		if (!open || p != pid || addr != address) {
			pid = p;
			address = addr;
			mapping = module ? mapping_id(pp, module, addr - offset, 0) : 0;
			open = 1;
		}
		id = fid;
		char *name = frame_function((const char *)sqlite3_column_text(st, 5), module, offset, addr);
		if (!name) {
			pp->nomem = 1;
			break;
		}
		struct pb line = {0};
		field_u(&line, LINE_FUNCTION_ID, function_id(pp, name, (const char *)sqlite3_column_text(st, 6)));
		field_u(&line, LINE_LINE, (uint64_t)sqlite3_column_int64(st, 7));
		free(name);
		if (line.nomem)
			pp->nomem = 1;
		else
			field_bytes(&pp->sub, LOCATION_LINE, line.p, line.n);
		free(line.p);
	}
	if (open && !pp->nomem)
		end_location(pp, id, mapping, address);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		mtan_sqlerr(pp->db, "cannot read the database");
	else
		ret = 0;
	sqlite3_finalize(st);
	return ret;
}

static void label(struct pprof *pp, const char *key, const char *s, int64_t num)
{
	struct pb l = {0};
	field_u(&l, LABEL_KEY, str(pp, key));
	if (s)
		field_u(&l, LABEL_STR, str(pp, s));
	else
		field_u(&l, LABEL_NUM, (uint64_t)num);
	if (l.nomem)
		pp->nomem = 1;
	else
		field_bytes(&pp->m, SAMPLE_LABEL, l.p, l.n);
	free(l.p);
}

static int add_loc(struct pprof *pp, uint64_t id)
{
	if (pp->nlocs == pp->caplocs) {
		size_t cap = pp->caplocs ? pp->caplocs * 2 : 64;
		uint64_t *v = realloc(pp->locs, cap * sizeof(*v));
		if (!v)
			return -1;
		pp->locs = v;
		pp->caplocs = cap;
	}
	pp->locs[pp->nlocs++] = id;
	return 0;
}

/* The samples; a row without a stack gets the location "[no stack]" (id no_stack). */
static int write_samples(struct pprof *pp, const struct mtan_opts *o, uint64_t no_stack, int *used_no_stack)
{
	sqlite3_stmt *st = NULL, *fr = NULL;
	int rc, ret = -1;
	if (mtan_prepare(pp->db, "pprof", "samples", &st) || mtan_prepare(pp->db, "pprof", "stack", &fr))
		goto out;
	mtan_bind_common(st, o);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && !pp->nomem) {
		pp->nlocs = 0;
		if (sqlite3_column_type(st, 3) != SQLITE_NULL) {
			sqlite3_reset(fr);
			sqlite3_bind_int64(fr, 1, sqlite3_column_int64(st, 3));
			while ((rc = sqlite3_step(fr)) == SQLITE_ROW)
				if (add_loc(pp, (uint64_t)sqlite3_column_int64(fr, 0))) {
					pp->nomem = 1;
					break;
				}
			if (rc != SQLITE_DONE && !pp->nomem)
				goto sqlerr;
		}
		if (!pp->nlocs) {
			*used_no_stack = 1;
			if (add_loc(pp, no_stack))
				pp->nomem = 1;
		}
		uint64_t v[NVALUES];
		for (int i = 0; i < NVALUES; i++)
			v[i] = (uint64_t)sqlite3_column_int64(st, 4 + i);
		field_packed(&pp->m, SAMPLE_LOCATION_ID, pp->locs, pp->nlocs);
		field_packed(&pp->m, SAMPLE_VALUE, v, NVALUES);
		char dev[16];
		label(pp, "pid", NULL, sqlite3_column_int64(st, 0));
		label(pp, "device", mtan_device_name(dev, sqlite3_column_int64(st, 1)), 0);
		label(pp, "space", (const char *)sqlite3_column_text(st, 2), 0);
		emit(pp->g, PROFILE_SAMPLE, &pp->m);
	}
	if (rc != SQLITE_DONE && !pp->nomem)
		goto sqlerr;
	ret = 0;
	goto out;
sqlerr:
	mtan_sqlerr(pp->db, "cannot read the database");
out:
	sqlite3_finalize(st);
	sqlite3_finalize(fr);
	return ret;
}

static int write_facts(struct pprof *pp)
{
	sqlite3_stmt *st = NULL;
	int ret = -1;
	if (mtan_prepare(pp->db, "pprof", "facts", &st))
		return -1;
	if (sqlite3_step(st) != SQLITE_ROW) {
		mtan_sqlerr(pp->db, "cannot read the database");
		goto out;
	}
	emit_varint(pp->g, PROFILE_TIME_NANOS, (uint64_t)sqlite3_column_int64(st, 0));
	emit_varint(pp->g, PROFILE_DURATION_NANOS, (uint64_t)sqlite3_column_int64(st, 1));
	ret = 0;
out:
	sqlite3_finalize(st);
	return ret;
}

int mtan_export_pprof(sqlite3 *db, const struct mtan_opts *o, FILE *f)
{
	struct pprof pp;
	struct gz *g = calloc(1, sizeof(*g));
	int ret = -1, zinit = 0;
	memset(&pp, 0, sizeof pp);
	pp.db = db;
	pp.g = g;
	if (!g)
		goto nomem;
	g->f = f;
	/* windowBits 15 + 16: a gzip wrapper, as pprof expects (it also reads it bare) */
	if (deflateInit2(&g->z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		goto nomem;
	zinit = 1;
	str(&pp, ""); /* string_table[0] must be "" */
	for (int i = 0; i < NVALUES; i++) {
		field_u(&pp.m, VALUE_TYPE_TYPE, str(&pp, value_types[i][0]));
		field_u(&pp.m, VALUE_TYPE_UNIT, str(&pp, value_types[i][1]));
		emit(g, PROFILE_SAMPLE_TYPE, &pp.m);
	}
	if (write_mappings(&pp, o) || write_locations(&pp, o))
		goto out;
	uint64_t no_stack = (uint64_t)pp.max_location + 1;
	int used_no_stack = 0;
	if (write_samples(&pp, o, no_stack, &used_no_stack))
		goto out;
	if (used_no_stack) {
		struct pb line = {0};
		field_u(&line, LINE_FUNCTION_ID, function_id(&pp, "[no stack]", NULL));
		if (line.nomem)
			pp.nomem = 1;
		else
			field_bytes(&pp.sub, LOCATION_LINE, line.p, line.n);
		free(line.p);
		end_location(&pp, (int64_t)no_stack, 0, 0);
	}
	emit_varint(g, PROFILE_COMMENT, str(&pp, "mtan " MTAN_VERSION ": inuse_space is the bytes live at the peak, "
					      "leaked_space the bytes leaked (lost, not suppressed)"));
	emit_varint(g, PROFILE_DEFAULT_SAMPLE_TYPE, str(&pp, "leaked_space"));
	if (write_facts(&pp))
		goto out;
	/* the functions and the strings last: every one is known by now */
	for (size_t i = 0; i < pp.functions.n; i++) {
		int64_t key[2];
		memcpy(key, pp.functions.key[i], sizeof key);
		field_u(&pp.m, FUNCTION_ID, i + 1);
		field_u(&pp.m, FUNCTION_NAME, (uint64_t)key[0]);
		field_u(&pp.m, FUNCTION_SYSTEM_NAME, (uint64_t)key[0]);
		field_u(&pp.m, FUNCTION_FILENAME, (uint64_t)key[1]);
		emit(g, PROFILE_FUNCTION, &pp.m);
	}
	for (size_t i = 0; i < pp.strings.n; i++) {
		put(&pp.m, pp.strings.key[i], pp.strings.len[i]);
		emit(g, PROFILE_STRING_TABLE, &pp.m);
	}
	if (pp.nomem || pp.m.nomem || pp.sub.nomem)
		goto nomem;
	gz_run(g, NULL, 0, Z_FINISH);
	if (g->err == 1)
		mtan_err("cannot compress the profile");
	if (g->err)
		goto out;
	ret = 0;
	goto out;
nomem:
	mtan_err("out of memory");
out:
	if (zinit)
		deflateEnd(&g->z);
	free(g);
	free(pp.m.p);
	free(pp.sub.p);
	free(pp.locs);
	mtan_intern_release(&pp.strings);
	mtan_intern_release(&pp.functions);
	mtan_intern_release(&pp.mappings);
	return ret;
}
