/* The trace reader against hostile input: truncation and byte-flip sweeps over a real
 * multi-frame trace, and hand-made streams that break each rule of FORMAT.md once. Every
 * case must end in intact records followed by a clean status, never a crash or a hang. */
#include "mtf.h"
#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zstd.h>

/* ------------------------------------------------------------------ helpers */

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint64_t rng(void) /* xorshift64*: the same sweep on every run */
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1Dull;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static mtf_str S(const char *s) { mtf_str r = {s, (uint32_t)strlen(s)}; return r; }

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001B3ull;
	return h;
}
#define FNV(h, x) ((h) = fnv((h), &(x), sizeof(x)))

static uint64_t str_digest(uint64_t h, mtf_str s)
{
	FNV(h, s.len);
	return fnv(h, s.s, s.len);
}

/* Every field of a record, so "the same record" means the same values. */
static uint64_t digest(const mtf_record *r)
{
	uint64_t h = 0xCBF29CE484222325ull;
	FNV(h, r->type);
	switch (r->type) {
	case MTF_HEADER:
		FNV(h, r->u.header.version); FNV(h, r->u.header.pid);
		FNV(h, r->u.header.realtime_ns); FNV(h, r->u.header.flags);
		h = str_digest(h, r->u.header.host);
		h = str_digest(h, r->u.header.cmdline);
		break;
	case MTF_PROCESS:
		FNV(h, r->u.process.pid); FNV(h, r->u.process.ppid); FNV(h, r->u.process.seq);
		FNV(h, r->u.process.time_ns); FNV(h, r->u.process.how);
		h = str_digest(h, r->u.process.exe);
		h = str_digest(h, r->u.process.cmdline);
		break;
	case MTF_THREAD:
		FNV(h, r->u.thread.pid); FNV(h, r->u.thread.tid); FNV(h, r->u.thread.seq);
		h = str_digest(h, r->u.thread.name);
		break;
	case MTF_MODULE:
		FNV(h, r->u.module.pid); FNV(h, r->u.module.base); FNV(h, r->u.module.size);
		h = str_digest(h, r->u.module.path);
		h = str_digest(h, r->u.module.build_id);
		break;
	case MTF_PERF_MAP:
		FNV(h, r->u.perf_map.pid); FNV(h, r->u.perf_map.start); FNV(h, r->u.perf_map.size);
		h = str_digest(h, r->u.perf_map.name);
		break;
	case MTF_STACK:
		FNV(h, r->u.stack.pid); FNV(h, r->u.stack.id); FNV(h, r->u.stack.n);
		h = fnv(h, r->u.stack.frames, r->u.stack.n * sizeof(uint64_t));
		break;
	case MTF_EVENTS:
		FNV(h, r->u.events.pid); FNV(h, r->u.events.tid); FNV(h, r->u.events.n);
		for (uint32_t i = 0; i < r->u.events.n; i++) {
			const mtf_event *e = &r->u.events.ev[i];
			FNV(h, e->seq); FNV(h, e->time_ns); FNV(h, e->addr); FNV(h, e->size);
			FNV(h, e->device); FNV(h, e->space); FNV(h, e->stack); FNV(h, e->op);
		}
		break;
	case MTF_DEVICE:
	case MTF_DEVICE_READY:
		FNV(h, r->u.device.device); FNV(h, r->u.device.close); FNV(h, r->u.device.capacity);
		h = str_digest(h, r->u.device.name);
		break;
	case MTF_SPACE:
		FNV(h, r->u.space.id);
		h = str_digest(h, r->u.space.name);
		break;
	case MTF_MARK:
		FNV(h, r->u.mark.tid); FNV(h, r->u.mark.seq);
		h = str_digest(h, r->u.mark.label);
		break;
	case MTF_END:
		FNV(h, r->u.end.events); FNV(h, r->u.end.threads);
		break;
	}
	return h;
}

/* Reads a whole trace from memory. Returns the final status of mtf_reader_next (0 or < 0)
 * or the open status; *n gets the records returned, digests[] their digests (up to max). */
static int read_all(const void *buf, size_t len, uint64_t *digests, size_t max, size_t *n,
		    uint64_t *good, uint64_t *bad, int *complete)
{
	mtf_reader *r;
	*n = 0;
	int ret = mtf_reader_open_mem(&r, buf, len);
	if (ret)
		return ret;
	mtf_record rec;
	while ((ret = mtf_reader_next(r, &rec)) == 1) {
		if (*n < max && digests)
			digests[*n] = digest(&rec);
		if (++*n > max) {
			ret = 1; /* more records than there can be: report it as such */
			break;
		}
	}
	if (ret <= 0 && mtf_reader_next(r, &rec) != ret)
		ret = 2; /* the end or the error must stay */
	if (good)
		*good = mtf_reader_good_offset(r);
	if (bad)
		*bad = mtf_reader_bad_offset(r);
	if (complete)
		*complete = mtf_reader_complete(r);
	mtf_reader_free(r);
	return ret;
}

static int read_status(const void *buf, size_t len, size_t *n)
{
	size_t dummy;
	return read_all(buf, len, NULL, 1u << 20, n ? n : &dummy, NULL, NULL, NULL);
}

/* A growable byte string for hand-made record streams. */
typedef struct bytes {
	uint8_t *p;
	size_t len, cap;
} bytes;

static void b_put(bytes *b, const void *p, size_t n)
{
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n)
			cap *= 2;
		uint8_t *q = realloc(b->p, cap);
		if (!q)
			abort();
		b->p = q;
		b->cap = cap;
	}
	if (n)
		memcpy(b->p + b->len, p, n);
	b->len += n;
}
static void b_u8(bytes *b, uint8_t v) { b_put(b, &v, 1); }
static void b_var(bytes *b, uint64_t v)
{
	uint8_t t[10];
	b_put(b, t, mtf_put_varint(t, v));
}
static void b_str(bytes *b, const char *s)
{
	b_var(b, strlen(s));
	b_put(b, s, strlen(s));
}
/* A record: type, varint length, payload. */
static void b_rec(bytes *b, int type, const bytes *payload)
{
	b_u8(b, (uint8_t)type);
	b_var(b, payload->len);
	b_put(b, payload->p, payload->len);
}
static void b_free(bytes *b)
{
	free(b->p);
	memset(b, 0, sizeof *b);
}

static void b_header(bytes *b, uint64_t version)
{
	bytes p = {0};
	b_put(&p, MTF_MAGIC, 6);
	b_var(&p, version);
	b_str(&p, "host");
	b_var(&p, 1);
	b_str(&p, "prog");
	b_var(&p, 0);
	b_var(&p, 0);
	b_rec(b, MTF_HEADER, &p);
	b_free(&p);
}

static void b_end(bytes *b)
{
	static const uint8_t end[] = {MTF_END, 4, 0, 0, 1, 1};
	b_put(b, end, sizeof end);
}

/* Compresses raw as one zstd frame, the way the writer does unless told otherwise. */
static bytes zframe_opt(const void *raw, size_t len, int checksum, int content_size)
{
	bytes z = {0};
	ZSTD_CCtx *cctx = ZSTD_createCCtx();
	ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, 1);
	ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, checksum);
	ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, content_size);
	size_t cap = ZSTD_compressBound(len) + 64;
	z.p = malloc(cap);
	z.cap = cap;
	if (content_size) {
		z.len = ZSTD_compress2(cctx, z.p, cap, raw, len);
	} else { /* streaming with no pledged size: the frame header has no content size */
		ZSTD_inBuffer in = {raw, len, 0};
		ZSTD_outBuffer out = {z.p, cap, 0};
		size_t left;
		do
			left = ZSTD_compressStream2(cctx, &out, &in, ZSTD_e_end);
		while (left && !ZSTD_isError(left));
		z.len = ZSTD_isError(left) ? 0 : out.pos;
	}
	if (ZSTD_isError(z.len))
		z.len = 0;
	ZSTD_freeCCtx(cctx);
	return z;
}
static bytes zframe(const bytes *raw) { return zframe_opt(raw->p, raw->len, 1, 1); }

/* Status of reading raw as the content of one proper frame; *n records returned. */
static int read_raw(const bytes *raw, size_t *n)
{
	bytes z = zframe(raw);
	int ret = read_status(z.p, z.len, n);
	b_free(&z);
	return ret;
}

static char *tmp_path(void)
{
	static char p[64];
	strcpy(p, "/tmp/mtf_hostileXXXXXX");
	int fd = mkstemp(p);
	close(fd);
	return p;
}

static int write_path(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	int ok = fwrite(p, 1, n, f) == n;
	return fclose(f) == 0 && ok ? 0 : -1;
}

/* ------------------------------------------------------------------ the sample trace */

#define MAX_FRAMES_IN 16
#define MAX_RECS 4096

/* A trace as the collector would write one: several processes and threads, stacks, devices,
 * marks, many events, one frame per round. */
typedef struct sample {
	uint8_t *buf;
	size_t len;
	uint64_t frame_end[MAX_FRAMES_IN]; /* compressed offset after each frame */
	size_t frame_recs[MAX_FRAMES_IN];  /* records in frames up to and including each */
	int frames;
	uint64_t digests[MAX_RECS];
	size_t recs;
} sample;

static sample smp;

static int put(mtf_writer *w, mtf_record *r, size_t *recs)
{
	int ret = mtf_writer_put(w, r);
	memset(r, 0, sizeof *r);
	++*recs;
	return ret;
}

static int build_sample(void)
{
	char *path = tmp_path();
	int fd = open(path, O_RDWR | O_TRUNC);
	mtf_writer *w = NULL;
	int ret = -1;
	size_t recs = 0;
	if (fd < 0 || mtf_writer_new(&w, fd, 3))
		goto out;
	mtf_record r = {0};
	r.type = MTF_HEADER;
	r.u.header.host = S("build-17"); r.u.header.pid = 500;
	r.u.header.cmdline = S("./server --threads 4 --config 'a b'");
	r.u.header.realtime_ns = 1700000000123456789ull; r.u.header.flags = MTF_FLAG_STACKS;
	ret = put(w, &r, &recs);
	r.type = MTF_PROCESS;
	r.u.process.pid = 500; r.u.process.ppid = 1; r.u.process.seq = 1;
	r.u.process.exe = S("/srv/server"); r.u.process.cmdline = S("./server --threads 4");
	ret |= put(w, &r, &recs);
	r.type = MTF_MODULE;
	r.u.module.pid = 500; r.u.module.seq = 2; r.u.module.base = 0x555555554000ull;
	r.u.module.size = 0x20000; r.u.module.path = S("/srv/server");
	r.u.module.build_id.s = "\x01\x02\x03\x04\x05\x06\x07\x08\x00\xff"; r.u.module.build_id.len = 10;
	ret |= put(w, &r, &recs);
	r.type = MTF_DEVICE;
	r.u.device.pid = 500; r.u.device.seq = 3; r.u.device.device = 0;
	r.u.device.name = S("npu0"); r.u.device.capacity = 1ull << 32;
	ret |= put(w, &r, &recs);
	r.type = MTF_SPACE;
	r.u.space.pid = 500; r.u.space.id = 1; r.u.space.name = S("DRAM");
	ret |= put(w, &r, &recs);
	for (uint32_t t = 0; t < 4; t++) {
		static const char *names[4] = {"main", "io", "worker-1", "worker-2"};
		r.type = MTF_THREAD;
		r.u.thread.pid = 500; r.u.thread.tid = 500 + t; r.u.thread.seq = 4 + t;
		r.u.thread.name = S(names[t]);
		ret |= put(w, &r, &recs);
	}
	uint64_t frames[40];
	for (uint32_t id = 1; id <= 24; id++) {
		for (uint32_t i = 0; i < 40; i++)
			frames[i] = 0x555555554000ull + ((id * 7919u + i * 104729u) & 0x1ffff);
		r.type = MTF_STACK;
		r.u.stack.pid = 500; r.u.stack.id = id; r.u.stack.n = 2 + id; r.u.stack.frames = frames;
		ret |= put(w, &r, &recs);
	}
	uint64_t seq = 100, t_ns = 1000;
	mtf_event ev[200];
	smp.frames = 0;
	for (int round = 0; round < 8 && !ret; round++) {
		for (uint32_t t = 0; t < 4 && !ret; t++) {
			uint32_t n = 60 + (uint32_t)(rng() % 140);
			for (uint32_t i = 0; i < n; i++) {
				mtf_event *e = &ev[i];
				int dev = rng() % 5 == 0;
				int kind = rng() % 2 ? MTF_FREE : MTF_ALLOC;
				*e = (mtf_event){.seq = seq, .time_ns = t_ns, .addr = 0x7f0000000000ull + (rng() % 4096) * 16,
					.size = kind == MTF_ALLOC ? 1 + rng() % 100000 : 0,
					.device = dev ? 0 : MTF_HOST, .space = dev ? 1 : 0,
					.stack = rng() % 4 ? 1 + (uint32_t)(rng() % 24) : 0,
					.op = MTF_OP_MAKE(kind, dev ? MTF_FN_CLIENT : rng() % 4)};
				if (dev && i > 0 && rng() % 3 == 0)
					e->seq = seq - 1 - rng() % 5; /* reserved earlier with mtrec_seq() */
				seq += 1 + rng() % 3;
				t_ns += rng() % 5000;
			}
			ret = mtf_writer_events(w, 500, 500 + t, ev, n);
			recs++;
		}
		r.type = MTF_MARK;
		r.u.mark.pid = 500; r.u.mark.tid = 500; r.u.mark.seq = seq++;
		char label[32];
		snprintf(label, sizeof label, "round %d", round);
		r.u.mark.label = S(label);
		ret |= put(w, &r, &recs);
		ret |= mtf_writer_flush(w);
		smp.frame_end[smp.frames] = mtf_writer_bytes(w);
		smp.frame_recs[smp.frames++] = recs;
	}
	r.type = MTF_END;
	r.u.end.events = 1; r.u.end.processes = 1; r.u.end.threads = 4;
	ret |= put(w, &r, &recs);
	ret |= mtf_writer_flush(w);
	smp.frame_end[smp.frames] = mtf_writer_bytes(w);
	smp.frame_recs[smp.frames++] = recs;
	if (ret)
		goto out;
	smp.len = mtf_writer_bytes(w);
	smp.buf = malloc(smp.len);
	ret = smp.buf && pread(fd, smp.buf, smp.len, 0) == (ssize_t)smp.len ? 0 : -1;
	if (!ret) /* the reference: what the intact file reads as */
		ret = read_all(smp.buf, smp.len, smp.digests, MAX_RECS, &smp.recs, NULL, NULL, NULL);
	if (!ret && smp.recs != recs)
		ret = -1;
out:
	mtf_writer_free(w);
	if (fd >= 0)
		close(fd);
	unlink(path);
	return ret;
}

/* Records in frames that end at or before off. */
static size_t recs_before(uint64_t off, uint64_t *frame_start)
{
	size_t n = 0;
	*frame_start = 0;
	for (int i = 0; i < smp.frames && smp.frame_end[i] <= off; i++) {
		n = smp.frame_recs[i];
		*frame_start = smp.frame_end[i];
	}
	return n;
}

/* ------------------------------------------------------------------ sweeps */

static void sample_reads_back(void)
{
	CHECK(smp.buf != NULL);
	CHECK(smp.frames >= 8);
	CHECK(smp.recs > 50 && smp.len > 10000); /* ~4000 events in 9 frames */
	size_t n;
	int complete;
	uint64_t d[MAX_RECS];
	CHECK(read_all(smp.buf, smp.len, d, MAX_RECS, &n, NULL, NULL, &complete) == 0);
	CHECK(complete && n == smp.recs);
	CHECK(!memcmp(d, smp.digests, n * sizeof *d));
}

static void truncation_sweep(void)
{
	CHECK(smp.buf != NULL);
	/* the frame boundaries and their neighbours, then points spread over the file */
	uint64_t cuts[400];
	int ncuts = 0;
	for (int i = 0; i < smp.frames; i++)
		for (int d = -1; d <= 1; d++)
			cuts[ncuts++] = smp.frame_end[i] + (uint64_t)d;
	cuts[ncuts++] = 0;
	cuts[ncuts++] = 3;
	while (ncuts < 300)
		cuts[ncuts++] = rng() % smp.len;
	double worst = 0;
	for (int i = 0; i < ncuts; i++) {
		uint64_t cut = cuts[i] > smp.len ? smp.len : cuts[i];
		uint64_t d[MAX_RECS], good, bad, start;
		size_t n;
		int complete;
		double t0 = now_s();
		/* a copy of exactly cut bytes, so ASan sees any read past the end */
		uint8_t *copy = malloc(cut ? cut : 1);
		memcpy(copy, smp.buf, cut);
		int ret = read_all(copy, cut, d, MAX_RECS, &n, &good, &bad, &complete);
		free(copy);
		double dt = now_s() - t0;
		worst = dt > worst ? dt : worst;
		size_t expect = recs_before(cut, &start);
		if (cut < 4) {
			CHECK(ret == MTF_E_NOTZSTD);
			continue;
		}
		if (ret == 1 || ret == 2)
			fprintf(stderr, "  cut %llu: reader broke its contract (%d)\n", (unsigned long long)cut, ret);
		CHECK(ret <= 0);
		CHECK(n <= smp.recs);
		CHECK(!memcmp(d, smp.digests, n * sizeof *d)); /* only intact records */
		if (cut == start) { /* at a frame boundary: a clean, maybe incomplete, end */
			CHECK(ret == (expect ? 0 : MTF_E_MAGIC)); /* no frame at all: no header */
			CHECK(complete == (cut == smp.len));
		} else {
			CHECK_EQ_U(ret, MTF_E_TRUNC);
			CHECK(!complete);
			CHECK_EQ_U(bad, start);
		}
		CHECK_EQ_U(n, expect);
		CHECK_EQ_U(good, start);
	}
	CHECK(ncuts >= 200);
	CHECK(worst < 2.0); /* no case may take long: the whole file reads in milliseconds */
}

/* Live mode (a trace still being written) on the same cuts, as files: a cut inside a frame
 * is the end for now (0, the records before that frame), never damage and never a wait
 * past its limit; a flipped byte inside a whole frame is still damage. */
static void live_cuts(void)
{
	CHECK(smp.buf != NULL);
	char *p = tmp_path();
	for (int i = 0; i < 60; i++) {
		uint64_t cut = i < smp.frames ? smp.frame_end[i] - 5 : 4 + rng() % (smp.len - 4);
		uint64_t start;
		size_t expect = recs_before(cut, &start);
		CHECK(write_path(p, smp.buf, cut) == 0);
		mtf_reader *r;
		mtf_record rec;
		CHECK(mtf_reader_open(&r, p) == 0 && mtf_reader_set_live(r, 0) == 0);
		size_t n = 0;
		int ret;
		double t0 = now_s();
		while ((ret = mtf_reader_next(r, &rec)) == 1)
			n++;
		CHECK(now_s() - t0 < 1.0);
		CHECK_EQ_U(ret, 0);
		CHECK_EQ_U(n, expect);
		CHECK_EQ_U(mtf_reader_good_offset(r), start);
		CHECK(!mtf_reader_complete(r));
		mtf_reader_free(r);
	}
	uint8_t *copy = malloc(smp.len);
	memcpy(copy, smp.buf, smp.len);
	copy[smp.frame_end[1] + 40] ^= 0x5a; /* inside the third frame, whole on disk */
	CHECK(write_path(p, copy, smp.len) == 0);
	free(copy);
	mtf_reader *r;
	mtf_record rec;
	CHECK(mtf_reader_open(&r, p) == 0 && mtf_reader_set_live(r, 0) == 0);
	int ret;
	while ((ret = mtf_reader_next(r, &rec)) == 1)
		;
	CHECK(ret == MTF_E_ZSTD || ret == MTF_E_BADREC);
	mtf_reader_free(r);
	unlink(p);
}

static void flip_sweep(void)
{
	CHECK(smp.buf != NULL);
	uint8_t *copy = malloc(smp.len);
	double worst = 0;
	int flips = 0, refused = 0;
	for (; flips < 400; flips++) {
		/* a byte somewhere in the file, a few on the frames' edges (headers, checksums) */
		size_t pos = flips % 8 == 0 ? (size_t)(smp.frame_end[rng() % smp.frames] + rng() % 9 - 4)
					    : (size_t)(rng() % smp.len);
		if (pos >= smp.len)
			pos = smp.len - 1;
		uint8_t x = (uint8_t)(1 + rng() % 255);
		memcpy(copy, smp.buf, smp.len);
		copy[pos] ^= x;
		uint64_t d[MAX_RECS], good, bad, start;
		size_t n;
		int complete;
		double t0 = now_s();
		int ret = read_all(copy, smp.len, d, MAX_RECS, &n, &good, &bad, &complete);
		double dt = now_s() - t0;
		worst = dt > worst ? dt : worst;
		size_t before = recs_before(pos, &start);
		if (pos < 4 && ret == MTF_E_NOTZSTD)
			continue;
		if (ret > 0)
			fprintf(stderr, "  flip %#x at %zu: reader broke its contract (%d)\n", x, pos, ret);
		CHECK(ret <= 0);
		CHECK(n <= smp.recs);
		CHECK(!memcmp(d, smp.digests, n * sizeof *d)); /* checksums: damage never reads back */
		CHECK(n >= before);                            /* earlier frames are untouched */
		if (ret == 0) { /* a bit zstd ignores (the frame header's unused bit) */
			CHECK(n == smp.recs && complete);
		} else {
			CHECK(bad >= start && good >= start && good <= bad);
			refused++;
		}
	}
	free(copy);
	CHECK(flips >= 200);
	CHECK(refused > flips / 2);
	CHECK(worst < 2.0);
}

/* ------------------------------------------------------------------ single cases */

static void newer_version(void)
{
	bytes raw = {0};
	b_header(&raw, MTF_VERSION + 1);
	b_end(&raw);
	size_t n;
	CHECK(read_raw(&raw, &n) == MTF_E_VERSION && n == 0);
	raw.len = 0;
	b_header(&raw, 0);
	CHECK(read_raw(&raw, &n) == MTF_E_VERSION);
	raw.len = 0;
	b_header(&raw, MTF_VERSION);
	b_end(&raw);
	CHECK(read_raw(&raw, &n) == 0 && n == 2);
	b_free(&raw);
	CHECK(!strcmp(mtf_strerror(MTF_E_VERSION), "trace written by a newer format version"));
}

/* HEADER's sample_bytes (MTF_FLAG_SAMPLED_STACKS): read when the flag says so; missing or 0
 * is malformed; trailing bytes after a header without the flag are ignored as before. */
static void sampled_header(void)
{
	for (int c = 0; c < 5; c++) {
		bytes p = {0}, raw = {0};
		b_put(&p, MTF_MAGIC, 6);
		b_var(&p, MTF_VERSION);
		b_str(&p, "host");
		b_var(&p, 1);
		b_str(&p, "prog");
		b_var(&p, 0);
		b_var(&p, c == 3 ? 0 : MTF_FLAG_SAMPLED_STACKS); /* flags */
		if (c == 0 || c == 3)
			b_var(&p, 524288); /* the mean (c 3: trailing bytes, no flag) */
		else if (c == 1)
			b_var(&p, 0);
		else if (c == 4)
			b_u8(&p, 0x80); /* a varint running off the end */
		/* c 2: none */
		b_rec(&raw, MTF_HEADER, &p);
		b_end(&raw);
		size_t n;
		int ret = read_raw(&raw, &n);
		CHECK(c == 0 || c == 3 ? ret == 0 && n == 2 : ret == MTF_E_BADREC && n == 0);
		b_free(&p);
		b_free(&raw);
	}
}

static void plain_text_file(void)
{
	char *p = tmp_path();
	const char *text = "#!/bin/sh\necho this is not a trace\n";
	CHECK(write_path(p, text, strlen(text)) == 0);
	mtf_reader *r = (mtf_reader *)1;
	int ret = mtf_reader_open(&r, p);
	unlink(p);
	CHECK(ret == MTF_E_NOTZSTD && r == NULL);
}

static void other_zstd_file(void)
{
	/* what `zstd notes.txt` makes: content size and checksum, but text inside */
	const char *text = "Meeting notes: the quick brown fox jumps over the lazy dog.\n";
	bytes z = zframe_opt(text, strlen(text), 1, 1);
	char *p = tmp_path();
	CHECK(write_path(p, z.p, z.len) == 0);
	mtf_reader *r;
	CHECK(mtf_reader_open(&r, p) == 0);
	unlink(p);
	mtf_record rec;
	CHECK(mtf_reader_next(r, &rec) == MTF_E_MAGIC);
	CHECK(mtf_reader_next(r, &rec) == MTF_E_MAGIC);
	mtf_reader_free(r);
	b_free(&z);
	/* one whose first byte is HEADER's type, its length running off the end */
	const char *sneaky = "\x01" "abcdef";
	z = zframe_opt(sneaky, strlen(sneaky), 1, 1);
	CHECK(read_status(z.p, z.len, NULL) == MTF_E_MAGIC);
	b_free(&z);
	/* a valid trace stream but compressed from a pipe (no content size), or unchecked */
	bytes raw = {0};
	b_header(&raw, MTF_VERSION);
	b_end(&raw);
	z = zframe_opt(raw.p, raw.len, 1, 0);
	CHECK(z.len > 0 && read_status(z.p, z.len, NULL) == MTF_E_MAGIC);
	b_free(&z);
	z = zframe_opt(raw.p, raw.len, 0, 1);
	CHECK(z.len > 0 && read_status(z.p, z.len, NULL) == MTF_E_MAGIC);
	b_free(&z);
	/* an empty zstd file (`zstd < /dev/null`): no HEADER */
	z = zframe_opt("", 0, 1, 1);
	CHECK(read_status(z.p, z.len, NULL) == MTF_E_MAGIC);
	b_free(&z);
	b_free(&raw);
}

static void empty_file(void)
{
	char *p = tmp_path(); /* mkstemp made it empty */
	mtf_reader *r;
	CHECK(mtf_reader_open(&r, p) == MTF_E_NOTZSTD && r == NULL);
	unlink(p);
	CHECK(mtf_reader_open_mem(&r, NULL, 0) == MTF_E_NOTZSTD && r == NULL);
	static const uint8_t magic[4] = {0x28, 0xb5, 0x2f, 0xfd};
	CHECK(read_status(magic, 4, NULL) == MTF_E_TRUNC);
	CHECK(read_status(magic, 3, NULL) == MTF_E_NOTZSTD);
}

static void directory_path(void)
{
	mtf_reader *r;
	CHECK(mtf_reader_open(&r, ".") == -EISDIR && r == NULL);
	CHECK(mtf_reader_open(&r, "/tmp") == -EISDIR);
	CHECK(mtf_reader_open(&r, "/dev/null") == MTF_E_NOTZSTD);
}

static void record_len_over_frame(void)
{
	bytes raw = {0}, p = {0};
	b_header(&raw, MTF_VERSION);
	b_u8(&raw, MTF_MARK);
	b_var(&raw, 200); /* but only 5 bytes follow */
	b_put(&raw, "\x01\x01\x01\x01\x00", 5);
	size_t n;
	CHECK(read_raw(&raw, &n) == MTF_E_BADREC && n == 1);
	/* the length of the last record one past the end, and a record that is only a type */
	raw.len = 0;
	b_header(&raw, MTF_VERSION);
	b_var(&p, 1); b_var(&p, 2); b_var(&p, 3);
	b_u8(&raw, MTF_RSS);
	b_var(&raw, p.len + 1);
	b_put(&raw, p.p, p.len);
	CHECK(read_raw(&raw, &n) == MTF_E_BADREC && n == 1);
	raw.len = 0;
	b_header(&raw, MTF_VERSION);
	b_u8(&raw, MTF_RSS);
	CHECK(read_raw(&raw, &n) == MTF_E_BADREC && n == 1);
	/* a length over MTF_MAX_RECORD, the bytes all there (a skipped type: only len counts) */
	raw.len = 0;
	b_header(&raw, MTF_VERSION);
	size_t base = raw.len;
	b_u8(&raw, 200);
	b_var(&raw, MTF_MAX_RECORD + 1);
	uint8_t *zeros = calloc(1, MTF_MAX_RECORD + 1);
	b_put(&raw, zeros, MTF_MAX_RECORD + 1);
	CHECK(read_raw(&raw, &n) == MTF_E_TOOBIG && n == 1);
	raw.len = base; /* exactly the limit: skipped, then END */
	b_u8(&raw, 200);
	b_var(&raw, MTF_MAX_RECORD);
	b_put(&raw, zeros, MTF_MAX_RECORD);
	b_end(&raw);
	free(zeros);
	CHECK(read_raw(&raw, &n) == 0 && n == 2);
	b_free(&raw);
	b_free(&p);
}

static void frame_over_limit(void)
{
	/* a frame header declaring MTF_MAX_FRAME + 1 bytes: refused before anything is allocated */
	static const uint8_t f[] = {
		0x28, 0xb5, 0x2f, 0xfd, 0xa4,   /* magic; FCS 4 bytes, single segment, checksum */
		0x01, 0x00, 0x00, 0x04,         /* content size 0x04000001 = 64 MiB + 1 */
		0x09, 0x00, 0x00, 0x01,         /* last raw block of 1 byte, the byte */
		0x00, 0x00, 0x00, 0x00};        /* checksum */
	CHECK(read_status(f, sizeof f, NULL) == MTF_E_TOOBIG);
}

static void varint_11_bytes(void)
{
	bytes raw = {0}, p = {0};
	size_t n;
	/* in a u64 field: 11 bytes */
	b_header(&raw, MTF_VERSION);
	size_t base = raw.len;
	b_var(&p, 1);
	b_put(&p, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 11);
	b_var(&p, 5);
	b_rec(&raw, MTF_RSS, &p);
	b_end(&raw);
	CHECK(read_raw(&raw, &n) == MTF_E_BADREC && n == 1);
	/* 10 bytes whose last holds more than bit 63 */
	raw.len = base; p.len = 0;
	b_var(&p, 1);
	b_put(&p, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02", 10);
	b_var(&p, 5);
	b_rec(&raw, MTF_RSS, &p);
	CHECK(read_raw(&raw, &n) == MTF_E_BADREC && n == 1);
	/* 10 bytes for UINT64_MAX: fine, and a non-minimal 0 too */
	raw.len = base; p.len = 0;
	b_var(&p, 1);
	b_put(&p, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 10);
	b_put(&p, "\x80\x80\x00", 3);
	b_rec(&raw, MTF_RSS, &p);
	b_end(&raw);
	bytes z = zframe(&raw);
	mtf_reader *r;
	mtf_record rec;
	CHECK(mtf_reader_open_mem(&r, z.p, z.len) == 0);
	CHECK(mtf_reader_next(r, &rec) == 1 && mtf_reader_next(r, &rec) == 1);
	int ok = rec.type == MTF_RSS && rec.u.rss.time_ns == UINT64_MAX && rec.u.rss.rss_bytes == 0;
	mtf_reader_free(r);
	b_free(&z);
	CHECK(ok);
	/* as a record length: 11 bytes */
	raw.len = base;
	b_u8(&raw, MTF_END);
	b_put(&raw, "\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x00", 11);
	CHECK(read_raw(&raw, &n) == MTF_E_BADREC && n == 1);
	/* a u32 field holding 2^32 */
	raw.len = base; p.len = 0;
	b_var(&p, 1ull << 32);
	b_var(&p, 1);
	b_var(&p, 1);
	b_rec(&raw, MTF_RSS, &p);
	CHECK(read_raw(&raw, &n) == MTF_E_BADREC && n == 1);
	b_free(&raw);
	b_free(&p);
}

static void string_over_limit(void)
{
	bytes raw = {0}, p = {0};
	size_t n;
	char *big = malloc(MTF_MAX_STRING + 1);
	memset(big, 'x', MTF_MAX_STRING + 1);
	b_header(&raw, MTF_VERSION);
	size_t base = raw.len;
	b_var(&p, 1); b_var(&p, 2); b_var(&p, 3); b_var(&p, 4);
	size_t pbase = p.len;
	b_var(&p, MTF_MAX_STRING + 1); /* the bytes are all there */
	b_put(&p, big, MTF_MAX_STRING + 1);
	b_rec(&raw, MTF_MARK, &p);
	b_end(&raw);
	CHECK(read_raw(&raw, &n) == MTF_E_BADREC && n == 1);
	/* exactly the limit reads back whole */
	raw.len = base; p.len = pbase;
	b_var(&p, MTF_MAX_STRING);
	b_put(&p, big, MTF_MAX_STRING);
	b_rec(&raw, MTF_MARK, &p);
	b_end(&raw);
	free(big);
	bytes z = zframe(&raw);
	mtf_reader *r;
	mtf_record rec;
	CHECK(mtf_reader_open_mem(&r, z.p, z.len) == 0);
	CHECK(mtf_reader_next(r, &rec) == 1 && mtf_reader_next(r, &rec) == 1);
	int ok = rec.type == MTF_MARK && rec.u.mark.label.len == MTF_MAX_STRING &&
		 rec.u.mark.label.s[MTF_MAX_STRING] == 0 && rec.u.mark.label.s[MTF_MAX_STRING - 1] == 'x';
	mtf_reader_free(r);
	b_free(&z);
	CHECK(ok);
	/* a length far past the record (and past 32 bits) */
	raw.len = base; p.len = pbase;
	b_var(&p, 1ull << 40);
	b_rec(&raw, MTF_MARK, &p);
	CHECK(read_raw(&raw, &n) == MTF_E_BADREC && n == 1);
	b_free(&raw);
	b_free(&p);
}

static void stack_over_limit(void)
{
	bytes raw = {0}, p = {0};
	size_t n;
	b_header(&raw, MTF_VERSION);
	size_t base = raw.len;
	b_var(&p, 1); b_var(&p, 5); b_var(&p, MTF_MAX_FRAMES + 1);
	for (int i = 0; i < MTF_MAX_FRAMES + 1; i++)
		b_var(&p, 2);
	b_rec(&raw, MTF_STACK, &p);
	b_end(&raw);
	CHECK(read_raw(&raw, &n) == MTF_E_BADREC && n == 1);
	raw.len = base; p.len = 0; /* exactly the limit */
	b_var(&p, 1); b_var(&p, 5); b_var(&p, MTF_MAX_FRAMES);
	for (int i = 0; i < MTF_MAX_FRAMES; i++)
		b_var(&p, 2);
	b_rec(&raw, MTF_STACK, &p);
	b_end(&raw);
	CHECK(read_raw(&raw, &n) == 0 && n == 3);
	raw.len = base; p.len = 0; /* id 0 is "no stack" */
	b_var(&p, 1); b_var(&p, 0); b_var(&p, 1); b_var(&p, 2);
	b_rec(&raw, MTF_STACK, &p);
	CHECK(read_raw(&raw, &n) == MTF_E_BADREC && n == 1);
	raw.len = base; p.len = 0; /* a count far over, few bytes behind it */
	b_var(&p, 1); b_var(&p, 5); b_var(&p, UINT64_MAX);
	b_rec(&raw, MTF_STACK, &p);
	CHECK(read_raw(&raw, &n) == MTF_E_BADREC && n == 1);
	b_free(&raw);
	b_free(&p);

	/* the writer keeps the innermost MTF_MAX_FRAMES of a deeper stack */
	char *path = tmp_path();
	FILE *f = fopen(path, "w");
	mtf_writer *w;
	CHECK(f && mtf_writer_new(&w, fileno(f), 1) == 0);
	uint64_t frames[MTF_MAX_FRAMES + 500];
	for (int i = 0; i < MTF_MAX_FRAMES + 500; i++)
		frames[i] = 0x400000 + (uint64_t)i * 16;
	mtf_record rec = {0};
	rec.type = MTF_HEADER;
	int ret = mtf_writer_put(w, &rec);
	memset(&rec, 0, sizeof rec);
	rec.type = MTF_STACK;
	rec.u.stack.pid = 1; rec.u.stack.id = 1; rec.u.stack.n = MTF_MAX_FRAMES + 500;
	rec.u.stack.frames = frames;
	ret |= mtf_writer_put(w, &rec);
	ret |= mtf_writer_flush(w);
	mtf_writer_free(w);
	fclose(f);
	mtf_reader *r;
	CHECK(ret == 0 && mtf_reader_open(&r, path) == 0);
	unlink(path);
	int ok = mtf_reader_next(r, &rec) == 1 && mtf_reader_next(r, &rec) == 1 &&
		 rec.type == MTF_STACK && rec.u.stack.n == MTF_MAX_FRAMES &&
		 rec.u.stack.frames[MTF_MAX_FRAMES - 1] == frames[MTF_MAX_FRAMES - 1];
	mtf_reader_free(r);
	CHECK(ok);
}

/* An EVENTS payload of three well-formed events, with the count given. */
static void events_payload(bytes *p, uint64_t count)
{
	p->len = 0;
	b_var(p, 1); b_var(p, 2); b_var(p, count);
	b_put(p, "\x20\x18\x21", 3);                  /* ops */
	b_put(p, "\x14\x01\x0a", 3);                  /* seq */
	b_put(p, "\xd0\x0f\x90\x03\xd8\x04", 6);      /* time */
	b_put(p, "\x80\x80\x02\x80\xc0\x01\x04", 7); /* addr: +0x4000, +0x3000, 2nd alloc */
	b_put(p, "\x20\x80\x20", 3);                  /* sizes */
	b_put(p, "\x02\x00\x01\x04", 4);              /* stack, device+space, stack */
}

static void events_count_lies(void)
{
	bytes raw = {0}, p = {0};
	size_t n;
	b_header(&raw, MTF_VERSION);
	size_t base = raw.len;
	/* honest: three events, as in FORMAT.md's example */
	events_payload(&p, 3);
	b_rec(&raw, MTF_EVENTS, &p);
	b_end(&raw);
	bytes z = zframe(&raw);
	mtf_reader *r;
	mtf_record rec;
	CHECK(mtf_reader_open_mem(&r, z.p, z.len) == 0);
	CHECK(mtf_reader_next(r, &rec) == 1 && mtf_reader_next(r, &rec) == 1);
	const mtf_event *e = rec.u.events.ev;
	int ok = rec.type == MTF_EVENTS && rec.u.events.n == 3 && e[0].seq == 10 && e[1].seq == 9 &&
		 e[2].seq == 14 && e[1].device == 0 && e[1].space == 1 && e[2].stack == 3 &&
		 e[1].size == 4096 && e[2].addr == 0x4000 && e[0].device == MTF_HOST;
	mtf_reader_free(r);
	b_free(&z);
	CHECK(ok);
	/* more events than the columns hold: each count from 4 up */
	for (uint64_t count = 4; count <= 9; count++) {
		raw.len = base;
		events_payload(&p, count);
		b_rec(&raw, MTF_EVENTS, &p);
		b_end(&raw);
		CHECK(read_raw(&raw, &n) == MTF_E_BADREC && n == 1);
	}
	/* counts no memory could hold: refused before any allocation */
	uint64_t huge[] = {1ull << 20, 1ull << 32, 1ull << 40, UINT64_MAX};
	for (size_t i = 0; i < sizeof huge / sizeof *huge; i++) {
		raw.len = base;
		events_payload(&p, huge[i]);
		b_rec(&raw, MTF_EVENTS, &p);
		CHECK(read_raw(&raw, &n) == MTF_E_BADREC && n == 1);
	}
	/* fewer: the columns are misread; whatever comes out, it must come out cleanly */
	for (uint64_t count = 0; count < 3; count++) {
		raw.len = base;
		events_payload(&p, count);
		b_rec(&raw, MTF_EVENTS, &p);
		b_end(&raw);
		int ret = read_raw(&raw, &n);
		CHECK((ret == 0 && n == 3) || (ret == MTF_E_BADREC && n == 1));
	}
	/* op bits 6-7 set */
	raw.len = base;
	events_payload(&p, 3);
	p.p[3] |= 0x40;
	b_rec(&raw, MTF_EVENTS, &p);
	CHECK(read_raw(&raw, &n) == MTF_E_BADREC && n == 1);
	/* stack deltas leaving 1..2^32-1: to 0, below, above, and far past int64 */
	static const char *bad_stacks[] = {"\x01", "\x03", "\xfe\xff\xff\xff\x1f",
					   "\xfe\xff\xff\xff\xff\xff\xff\xff\xff\x01"};
	for (size_t i = 0; i < sizeof bad_stacks / sizeof *bad_stacks; i++) {
		raw.len = base;
		p.len = 0;
		b_var(&p, 1); b_var(&p, 2); b_var(&p, 2);
		b_put(&p, "\x21\x21", 2);             /* two frees with stacks */
		b_put(&p, "\x02\x02\x00\x00\x01\x01", 6); /* seq, time, raw free addr +0 */
		b_put(&p, "\x02", 1);                 /* first stack: 1 */
		b_put(&p, bad_stacks[i], strlen(bad_stacks[i]));
		b_rec(&raw, MTF_EVENTS, &p);
		CHECK(read_raw(&raw, &n) == MTF_E_BADREC && n == 1);
	}
	b_free(&raw);
	b_free(&p);
}

/* Free addresses: back-references out of range, a cut escape, and every kind of address
 * the client API can report written and read back exactly. */
static void free_addresses(void)
{
	bytes raw = {0}, p = {0};
	size_t n;
	b_header(&raw, MTF_VERSION);
	size_t base = raw.len;
	static const struct { const char *addr; size_t len; int ok; } cases[] = {
		{"\x02\x02", 2, 0},     /* two frees, the first a back-reference to nothing */
		{"\x01\x02", 2, 0},     /* a raw free, then a back-reference to nothing */
		{"\x01\x00", 2, 0},     /* the escape, its varint missing */
		{"\x00\x02\x00\x04", 4, 1}, /* the escape used for small deltas: allowed */
		{"\x03\x01", 2, 1},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		raw.len = base;
		p.len = 0;
		b_var(&p, 1); b_var(&p, 2); b_var(&p, 2);
		b_put(&p, "\x01\x01", 2);             /* two frees */
		b_put(&p, "\x02\x02\x00\x00", 4);     /* seq, time */
		b_put(&p, cases[i].addr, cases[i].len);
		b_rec(&raw, MTF_EVENTS, &p);
		b_end(&raw);
		int ret = read_raw(&raw, &n);
		if ((ret == 0) != cases[i].ok)
			fprintf(stderr, "  case %zu: %s, %zu records\n", i, mtf_strerror(ret), n);
		if (cases[i].ok)
			CHECK(ret == 0 && n == 3);
		else
			CHECK(ret == MTF_E_BADREC && n == 1);
	}
	b_free(&raw);
	b_free(&p);

	static const uint64_t addrs[] = {0, 1, 0x555555554000ull, 1ull << 62, 1ull << 63,
					 0x8000000000001000ull, UINT64_MAX, 0x7fffffffffffffffull, 0xc000000000000000ull};
	enum { NA = sizeof addrs / sizeof *addrs, NE = 4 * NA * NA };
	static mtf_event ev[NE];
	uint32_t k = 0;
	for (uint32_t i = 0; i < NA; i++)
		for (uint32_t j = 0; j < NA; j++)
			for (uint32_t v = 0; v < 4; v++, k++) { /* alloc/free, host/device, in pairs */
				int dev = (v + i) & 1;
				ev[k] = (mtf_event){.seq = k, .addr = addrs[(v & 2) ? j : i],
					.size = v & 1 ? 0 : 8, .device = dev ? 7 : MTF_HOST, .space = dev ? 3 : 0,
					.op = MTF_OP_MAKE(v & 1 ? MTF_FREE : MTF_ALLOC, dev ? MTF_FN_CLIENT : MTF_FN_MALLOC)};
			}
	char *path = tmp_path();
	FILE *f = fopen(path, "w");
	mtf_writer *w;
	CHECK(f && mtf_writer_new(&w, fileno(f), 1) == 0);
	mtf_record rec = {0};
	rec.type = MTF_HEADER;
	int ret = mtf_writer_put(w, &rec);
	ret |= mtf_writer_events(w, 1, 1, ev, NE);
	ret |= mtf_writer_flush(w);
	mtf_writer_free(w);
	fclose(f);
	mtf_reader *r;
	CHECK(ret == 0 && mtf_reader_open(&r, path) == 0);
	unlink(path);
	int ok = mtf_reader_next(r, &rec) == 1 && mtf_reader_next(r, &rec) == 1 &&
		 rec.type == MTF_EVENTS && rec.u.events.n == NE;
	for (uint32_t i = 0; ok && i < NE; i++) {
		const mtf_event *e = &rec.u.events.ev[i];
		ok = e->addr == ev[i].addr && e->device == ev[i].device && e->space == ev[i].space;
		if (!ok)
			fprintf(stderr, "  event %u: addr %#llx read back as %#llx\n", i,
				(unsigned long long)ev[i].addr, (unsigned long long)e->addr);
	}
	mtf_reader_free(r);
	CHECK(ok);
}

static void before_header(void)
{
	bytes raw = {0};
	size_t n;
	b_end(&raw);
	b_header(&raw, MTF_VERSION);
	CHECK(read_raw(&raw, &n) == MTF_E_MAGIC && n == 0);
	raw.len = 0; /* an unknown type is not skipped before the header */
	b_put(&raw, "\x00\x00", 2);
	b_header(&raw, MTF_VERSION);
	CHECK(read_raw(&raw, &n) == MTF_E_MAGIC && n == 0);
	raw.len = 0; /* a HEADER with another magic */
	b_header(&raw, MTF_VERSION);
	raw.p[2] = 'N';
	CHECK(read_raw(&raw, &n) == MTF_E_MAGIC && n == 0);
	b_free(&raw);
}

static void unknown_types_skipped(void)
{
	bytes raw = {0}, p = {0};
	size_t n;
	b_header(&raw, MTF_VERSION);
	b_put(&p, "future fields", 13);
	b_rec(&raw, 18, &p); /* 14 is SCAN since the exit scan came, 15 DEVICE_READY, 16 CLOCK, 17 PERF_MAP */
	b_rec(&raw, 255, &p);
	b_rec(&raw, 0, &p);
	p.len = 0; /* a known record with a field appended by a later revision */
	b_var(&p, 1); b_var(&p, 2); b_var(&p, 3); b_var(&p, 77);
	b_rec(&raw, MTF_RSS, &p);
	b_end(&raw);
	CHECK(read_raw(&raw, &n) == 0 && n == 3);
	b_free(&raw);
	b_free(&p);
}

/* PERF_MAP records: a whole one reads; one that ends inside its fields, or whose name's
 * length is over the limit or past the payload, is malformed. */
static void perf_map_bounds(void)
{
	bytes raw = {0}, p = {0};
	size_t n;
	b_header(&raw, MTF_VERSION);
	b_var(&p, 7); b_var(&p, 1); b_var(&p, 0x7f0000001000ull); b_var(&p, 0x20); b_str(&p, "py::f:/x.py");
	b_rec(&raw, MTF_PERF_MAP, &p);
	b_end(&raw);
	CHECK(read_raw(&raw, &n) == 0 && n == 3);
	b_free(&raw);
	for (int k = 0; k < 3; k++) {
		raw.len = 0;
		p.len = 0;
		b_header(&raw, MTF_VERSION);
		b_var(&p, 7); b_var(&p, 1);
		if (k >= 1) {
			b_var(&p, 0x1000); b_var(&p, 0x20);
			b_var(&p, k == 1 ? (uint64_t)MTF_MAX_STRING + 1 : 100); /* over the limit; past the end */
			b_put(&p, "abc", 3);
		}
		b_rec(&raw, MTF_PERF_MAP, &p);
		b_end(&raw);
		int rc = read_raw(&raw, &n);
		if (rc != MTF_E_BADREC) {
			fprintf(stderr, "  case %d: %d\n", k, rc);
			unit_failed_now = 1;
		}
		b_free(&raw);
	}
	b_free(&p);
}

/* A SCAN record whose item count its payload cannot hold, or a part that does not exist,
 * is malformed: refused before the reader allocates for the count. */
static void scan_counts(void)
{
	bytes raw = {0}, p = {0};
	size_t n;
	b_header(&raw, MTF_VERSION);
	b_var(&p, 1); b_var(&p, 2); b_var(&p, 3); b_var(&p, MTF_SCAN_WORDS); b_var(&p, 0);
	b_var(&p, MTF_SCAN_MAX_ITEMS); /* a million pairs promised, four bytes given */
	b_var(&p, 1); b_var(&p, 1); b_var(&p, 1); b_var(&p, 1);
	b_rec(&raw, MTF_SCAN, &p);
	CHECK(read_raw(&raw, &n) == MTF_E_BADREC && n == 1);
	raw.len = 0; p.len = 0;
	b_header(&raw, MTF_VERSION);
	b_var(&p, 1); b_var(&p, 2); b_var(&p, 3); b_var(&p, MTF_SCAN_PART_MAX + 1); b_var(&p, 0); b_var(&p, 0);
	b_rec(&raw, MTF_SCAN, &p);
	CHECK(read_raw(&raw, &n) == MTF_E_BADREC && n == 1);
	raw.len = 0; p.len = 0;
	b_header(&raw, MTF_VERSION); /* DONE carries no items */
	b_var(&p, 1); b_var(&p, 2); b_var(&p, 3); b_var(&p, MTF_SCAN_DONE); b_var(&p, 0); b_var(&p, 1);
	b_var(&p, 5);
	b_rec(&raw, MTF_SCAN, &p);
	CHECK(read_raw(&raw, &n) == MTF_E_BADREC && n == 1);
	b_free(&raw);
	b_free(&p);
}

static void frames_around(void)
{
	bytes a = {0}, b = {0};
	b_header(&a, MTF_VERSION);
	b_end(&b);
	bytes za = zframe(&a), zb = zframe(&b);
	bytes file = {0};
	static const uint8_t skip[10] = {0x5f, 0x2a, 0x4d, 0x18, 2, 0, 0, 0, 'h', 'i'};
	/* skippable frames first, between and last are ignored */
	b_put(&file, skip, sizeof skip);
	b_put(&file, za.p, za.len);
	b_put(&file, skip, sizeof skip);
	b_put(&file, zb.p, zb.len);
	b_put(&file, skip, sizeof skip);
	size_t n;
	uint64_t good, bad;
	int complete;
	CHECK(read_all(file.p, file.len, NULL, 100, &n, &good, NULL, &complete) == 0);
	CHECK(n == 2 && complete && good == file.len);
	/* trailing garbage after the frames */
	size_t whole = file.len;
	b_put(&file, "garbage!", 8);
	CHECK(read_all(file.p, file.len, NULL, 100, &n, &good, &bad, &complete) == MTF_E_ZSTD);
	CHECK(n == 2 && complete && good == whole && bad == whole);
	/* a skippable frame whose size runs past the end */
	file.len = whole;
	b_put(&file, skip, 6);
	CHECK(read_all(file.p, file.len, NULL, 100, &n, &good, NULL, NULL) == MTF_E_TRUNC);
	CHECK(n == 2 && good == whole);
	/* the second frame's checksum wrong: the first frame's records, then the error */
	file.len = 0;
	b_put(&file, za.p, za.len);
	b_put(&file, zb.p, zb.len);
	file.p[file.len - 1] ^= 0x10;
	CHECK(read_all(file.p, file.len, NULL, 100, &n, &good, &bad, &complete) == MTF_E_ZSTD);
	CHECK(n == 1 && !complete && good == za.len && bad == za.len);
	b_free(&a); b_free(&b); b_free(&za); b_free(&zb); b_free(&file);
}

/* Two traces in one file (cat a.zst b.zst): the first trace's records, then MTF_E_CONCAT
 * at the second's first byte, never the two as one; a HEADER within a frame is malformed. */
static void concatenated(void)
{
	bytes a = {0}, b = {0};
	b_header(&a, MTF_VERSION);
	b_end(&a);
	b_header(&b, MTF_VERSION);
	bytes za = zframe(&a), zb = zframe(&b), file = {0};
	static const uint8_t skip[10] = {0x5f, 0x2a, 0x4d, 0x18, 2, 0, 0, 0, 'h', 'i'};
	size_t n;
	uint64_t good, bad;
	int complete;
	b_put(&file, za.p, za.len);
	b_put(&file, za.p, za.len);
	CHECK(read_all(file.p, file.len, NULL, 100, &n, &good, &bad, &complete) == MTF_E_CONCAT);
	CHECK(n == 2 && complete && good == za.len && bad == za.len);
	CHECK(!strcmp(mtf_strerror(MTF_E_CONCAT), "a second trace starts"));
	/* the first without END (its recorder killed), a skippable frame, then the second */
	file.len = 0;
	b_put(&file, zb.p, zb.len);
	b_put(&file, skip, sizeof skip);
	b_put(&file, za.p, za.len);
	CHECK(read_all(file.p, file.len, NULL, 100, &n, &good, &bad, &complete) == MTF_E_CONCAT);
	CHECK(n == 1 && !complete && bad == zb.len + sizeof skip);
	/* a second HEADER after another record of the same frame: no trace starts there */
	b_header(&a, MTF_VERSION);
	CHECK(read_raw(&a, &n) == MTF_E_BADREC && n == 2);
	b.len = 0;
	b_header(&b, MTF_VERSION);
	b_header(&b, MTF_VERSION);
	CHECK(read_raw(&b, &n) == MTF_E_BADREC && n == 1);
	b_free(&a); b_free(&b); b_free(&za); b_free(&zb); b_free(&file);
}

int main(void)
{
	int built = build_sample();
	if (built)
		fprintf(stderr, "  cannot build the sample trace: %s\n", mtf_strerror(built));
	RUN(sample_reads_back);
	RUN(truncation_sweep);
	RUN(live_cuts);
	RUN(flip_sweep);
	RUN(newer_version);
	RUN(sampled_header);
	RUN(plain_text_file);
	RUN(other_zstd_file);
	RUN(empty_file);
	RUN(directory_path);
	RUN(record_len_over_frame);
	RUN(frame_over_limit);
	RUN(varint_11_bytes);
	RUN(string_over_limit);
	RUN(stack_over_limit);
	RUN(events_count_lies);
	RUN(free_addresses);
	RUN(before_header);
	RUN(unknown_types_skipped);
	RUN(perf_map_bounds);
	RUN(scan_counts);
	RUN(frames_around);
	RUN(concatenated);
	free(smp.buf);
	UNIT_EXIT();
}
