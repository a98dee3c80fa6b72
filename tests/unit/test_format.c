/* Round trips of the trace format: every record type written and read back, events with
 * every op combination, a truncated tail recovered up to the last frame, damage refused. */
#include "mtf.h"
#include "unit.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *tmp_path(void)
{
	static char p[64];
	strcpy(p, "/tmp/mtf_testXXXXXX");
	int fd = mkstemp(p);
	close(fd);
	return p;
}

static mtf_str S(const char *s) { mtf_str r = {s, (uint32_t)strlen(s)}; return r; }

/* Writes a trace with two frames: header..events | more events, end. */
static size_t write_sample(const char *path, uint64_t *frame1_end)
{
	FILE *f = fopen(path, "w");
	mtf_writer *w;
	mtf_writer_new(&w, fileno(f), 1);
	mtf_record r = {0};
	r.type = MTF_HEADER;
	r.u.header.host = S("box");
	r.u.header.pid = 42;
	r.u.header.cmdline = S("./app --x");
	r.u.header.realtime_ns = 1700000000000000000ull;
	r.u.header.flags = MTF_FLAG_STACKS;
	mtf_writer_put(w, &r);
	memset(&r, 0, sizeof r);
	r.type = MTF_PROCESS;
	r.u.process.pid = 42; r.u.process.ppid = 1; r.u.process.seq = 1;
	r.u.process.exe = S("/bin/app"); r.u.process.cmdline = S("app --x");
	mtf_writer_put(w, &r);
	uint64_t frames[3] = {0x7f0000001000ull, 0x555555554000ull, 0x7f0000000010ull};
	memset(&r, 0, sizeof r);
	r.type = MTF_STACK;
	r.u.stack.pid = 42; r.u.stack.id = 7; r.u.stack.n = 3; r.u.stack.frames = frames;
	mtf_writer_put(w, &r);
	mtf_event ev[4] = {
		{.seq = 2, .time_ns = 100, .addr = 0x5000, .size = 32, .device = MTF_HOST, .stack = 7,
		 .op = MTF_OP_MAKE(MTF_ALLOC, MTF_FN_MALLOC)},
		{.seq = 5, .time_ns = 90, .addr = 0x1000, .size = 1ull << 40, .device = 3, .space = 2,
		 .op = MTF_OP_MAKE(MTF_ALLOC, MTF_FN_CLIENT)},
		{.seq = 4, .time_ns = 300, .addr = 0x5000, .device = MTF_HOST,
		 .op = MTF_OP_MAKE(MTF_FREE, MTF_FN_REALLOC)},
		{.seq = 9, .time_ns = 400, .addr = 0xffffffffffff0000ull, .device = 0, .space = 0,
		 .stack = 7, .op = MTF_OP_MAKE(MTF_FREE, MTF_FN_CLIENT)},
	};
	mtf_writer_events(w, 42, 43, ev, 4);
	mtf_writer_flush(w);
	*frame1_end = mtf_writer_bytes(w);
	memset(&r, 0, sizeof r);
	r.type = MTF_MARK;
	r.u.mark.pid = 42; r.u.mark.tid = 43; r.u.mark.seq = 10; r.u.mark.label = S("phase 'two'");
	mtf_writer_put(w, &r);
	memset(&r, 0, sizeof r);
	r.type = MTF_END;
	r.u.end.events = 4;
	mtf_writer_put(w, &r);
	mtf_writer_flush(w);
	size_t total = mtf_writer_bytes(w);
	mtf_writer_free(w);
	fclose(f);
	return total;
}

static void roundtrip(void)
{
	char *p = tmp_path();
	uint64_t f1;
	write_sample(p, &f1);
	mtf_reader *r;
	CHECK(mtf_reader_open(&r, p) == 0);
	mtf_record rec;
	CHECK(mtf_reader_next(r, &rec) == 1);
	CHECK(rec.type == MTF_HEADER);
	CHECK(!strcmp(rec.u.header.host.s, "box"));
	CHECK(!strcmp(rec.u.header.cmdline.s, "./app --x"));
	CHECK_EQ_U(rec.u.header.pid, 42);
	CHECK_EQ_U(rec.u.header.realtime_ns, 1700000000000000000ull);
	CHECK(mtf_reader_next(r, &rec) == 1 && rec.type == MTF_PROCESS);
	CHECK(!strcmp(rec.u.process.exe.s, "/bin/app") && !strcmp(rec.u.process.cmdline.s, "app --x"));
	CHECK(mtf_reader_next(r, &rec) == 1 && rec.type == MTF_STACK);
	CHECK_EQ_U(rec.u.stack.n, 3);
	CHECK_EQ_U(rec.u.stack.frames[1], 0x555555554000ull);
	CHECK_EQ_U(rec.u.stack.frames[2], 0x7f0000000010ull);
	CHECK(mtf_reader_next(r, &rec) == 1 && rec.type == MTF_EVENTS);
	CHECK_EQ_U(rec.u.events.n, 4);
	CHECK_EQ_U(rec.u.events.tid, 43);
	const mtf_event *e = rec.u.events.ev;
	CHECK_EQ_U(e[0].seq, 2); CHECK_EQ_U(e[0].size, 32); CHECK_EQ_U(e[0].stack, 7);
	CHECK_EQ_U(e[0].device, MTF_HOST);
	CHECK_EQ_U(e[1].seq, 5); CHECK_EQ_U(e[1].time_ns, 90); CHECK_EQ_U(e[1].size, 1ull << 40);
	CHECK_EQ_U(e[1].device, 3); CHECK_EQ_U(e[1].space, 2); CHECK_EQ_U(e[1].stack, 0);
	CHECK_EQ_U(e[2].seq, 4); CHECK_EQ_U(MTF_OP_KIND(e[2].op), MTF_FREE);
	CHECK_EQ_U(MTF_OP_FUNC(e[2].op), MTF_FN_REALLOC); CHECK_EQ_U(e[2].size, 0);
	CHECK_EQ_U(e[3].addr, 0xffffffffffff0000ull); CHECK_EQ_U(e[3].device, 0);
	CHECK_EQ_U(e[3].stack, 7);
	CHECK(mtf_reader_next(r, &rec) == 1 && rec.type == MTF_MARK);
	CHECK(!strcmp(rec.u.mark.label.s, "phase 'two'"));
	CHECK(mtf_reader_next(r, &rec) == 1 && rec.type == MTF_END);
	CHECK(mtf_reader_next(r, &rec) == 0);
	CHECK(mtf_reader_complete(r));
	mtf_reader_free(r);
	unlink(p);
}

/* Every truncation point gives the records of the complete frames and a clean error. */
static void truncation(void)
{
	char *p = tmp_path();
	uint64_t f1;
	size_t total = write_sample(p, &f1);
	FILE *f = fopen(p, "r");
	unsigned char *buf = malloc(total);
	CHECK(fread(buf, 1, total, f) == total);
	fclose(f);
	for (size_t cut = 0; cut < total; cut++) {
		mtf_reader *r;
		int ret = mtf_reader_open_mem(&r, buf, cut);
		if (ret) {
			if (cut >= 4)
				free(buf);
			CHECK(cut < 4);
			continue;
		}
		mtf_record rec;
		int n = 0;
		while ((ret = mtf_reader_next(r, &rec)) == 1)
			n++;
		CHECK(ret < 0 || (ret == 0 && cut == f1)); /* at a frame boundary: clean but incomplete */
		CHECK(!mtf_reader_complete(r));
		if (cut >= f1)
			CHECK(n == 4 && mtf_reader_good_offset(r) == f1);
		else
			CHECK(n == 0);
		mtf_reader_free(r);
	}
	free(buf);
	unlink(p);
}

static void flips(void)
{
	char *p = tmp_path();
	uint64_t f1;
	size_t total = write_sample(p, &f1);
	FILE *f = fopen(p, "r");
	unsigned char *buf = malloc(total);
	CHECK(fread(buf, 1, total, f) == total);
	fclose(f);
	for (size_t i = 0; i < total; i++)
		for (int bit = 0; bit < 8; bit += 3) {
			buf[i] ^= (unsigned char)(1u << bit);
			mtf_reader *r;
			if (mtf_reader_open_mem(&r, buf, total) == 0) {
				mtf_record rec;
				int n = 0, ret;
				while ((ret = mtf_reader_next(r, &rec)) == 1 && n < 100)
					n++;
				CHECK(n < 100);
				mtf_reader_free(r);
			}
			buf[i] ^= (unsigned char)(1u << bit);
		}
	free(buf);
	unlink(p);
}

static void not_a_trace(void)
{
	mtf_reader *r;
	const char *text = "hello, this is plain text and not a trace\n";
	CHECK(mtf_reader_open_mem(&r, text, strlen(text)) == MTF_E_NOTZSTD);
	CHECK(mtf_reader_open(&r, "/nonexistent/x.zst") == -2);
	CHECK(!strcmp(mtf_strerror(-2), "No such file or directory"));
}

/* A file cut short while a reader has it open: the rest is truncation, never SIGBUS. */
static void shrinks_while_read(void)
{
	char *p = tmp_path();
	FILE *f = fopen(p, "w");
	mtf_writer *w;
	mtf_writer_new(&w, fileno(f), 1);
	mtf_record r = {0};
	r.type = MTF_HEADER;
	r.u.header.host = S("box");
	mtf_writer_put(w, &r);
	mtf_writer_flush(w);
	uint64_t first = mtf_writer_bytes(w);
	static mtf_event ev[20000];
	uint64_t x = 1;
	for (int k = 0; k < 20; k++) { /* 20 frames of incompressible events: megabytes */
		for (int i = 0; i < 20000; i++) {
			x = x * 6364136223846793005ull + 1442695040888963407ull;
			ev[i] = (mtf_event){.seq = (uint64_t)(k * 20000 + i + 1), .addr = x >> 16,
					    .size = x >> 50, .device = MTF_HOST, .op = MTF_OP_MAKE(MTF_ALLOC, 0)};
		}
		mtf_writer_events(w, 1, 1, ev, 20000);
		mtf_writer_flush(w);
	}
	uint64_t total = mtf_writer_bytes(w);
	mtf_writer_free(w);
	fclose(f);
	mtf_reader *rd;
	CHECK(mtf_reader_open(&rd, p) == 0);
	mtf_record rec;
	CHECK(mtf_reader_next(rd, &rec) == 1 && rec.type == MTF_HEADER);
	CHECK(total > 1000000);
	CHECK(truncate(p, (off_t)first + 100) == 0); /* inside the second frame */
	int ret, n = 0;
	while ((ret = mtf_reader_next(rd, &rec)) == 1)
		n++;
	mtf_reader_free(rd);
	unlink(p);
	/* frames already read into the reader's window may still come; then truncation */
	CHECK(ret == MTF_E_TRUNC);
	CHECK(n < 20);
}

/* mtrec --sample-stacks: the HEADER's flag with its mean read back; a header without the
 * flag writes no mean (older traces) and reads 0. */
static void sampled_header(void)
{
	for (int sampled = 0; sampled < 2; sampled++) {
		char *p = tmp_path();
		FILE *f = fopen(p, "w");
		mtf_writer *w;
		mtf_writer_new(&w, fileno(f), 1);
		mtf_record r = {0};
		r.type = MTF_HEADER;
		r.u.header.host = S("box");
		r.u.header.flags = MTF_FLAG_STACKS | (sampled ? MTF_FLAG_SAMPLED_STACKS : 0);
		r.u.header.sample_bytes = 524288; /* written only with the flag */
		CHECK(mtf_writer_put(w, &r) == 0);
		mtf_event ev = {.seq = 1, .addr = 0x1000, .size = 48, .device = MTF_HOST, .stack = 0,
				.op = MTF_OP_MAKE(MTF_ALLOC, MTF_FN_MALLOC)};
		CHECK(mtf_writer_events(w, 1, 1, &ev, 1) == 0);
		CHECK(mtf_writer_flush(w) == 0);
		uint64_t bytes = mtf_writer_bytes(w);
		mtf_writer_free(w);
		fclose(f);
		mtf_reader *rd;
		mtf_record rec;
		CHECK(mtf_reader_open(&rd, p) == 0);
		CHECK(mtf_reader_next(rd, &rec) == 1 && rec.type == MTF_HEADER);
		CHECK_EQ_U(rec.u.header.flags & MTF_FLAG_SAMPLED_STACKS, sampled ? MTF_FLAG_SAMPLED_STACKS : 0);
		CHECK_EQ_U(rec.u.header.sample_bytes, sampled ? 524288 : 0);
		CHECK(mtf_reader_next(rd, &rec) == 1 && rec.type == MTF_EVENTS && rec.u.events.n == 1);
		CHECK_EQ_U(rec.u.events.ev[0].stack, 0);
		CHECK(mtf_reader_next(rd, &rec) == 0);
		mtf_reader_free(rd);
		unlink(p);
		CHECK(bytes > 0);
	}
}

static void varints(void)
{
	uint64_t vals[] = {0, 1, 127, 128, 300, 1ull << 35, UINT64_MAX};
	for (size_t i = 0; i < sizeof vals / sizeof *vals; i++) {
		uint8_t b[10];
		size_t n = mtf_put_varint(b, vals[i]);
		CHECK(n >= 1 && n <= 10);
		CHECK_EQ_U(mtf_unzigzag(mtf_zigzag((int64_t)vals[i])), vals[i]);
	}
	CHECK_EQ_U(mtf_zigzag(-1), 1);
	CHECK_EQ_U(mtf_zigzag(1), 2);
}

/* SCAN records: every part round-trips, values that go down as well as up (deltas), and a
 * count the payload cannot hold is refused before anything is allocated for it. */
static void scan_records(void)
{
	char *p = tmp_path();
	FILE *f = fopen(p, "w");
	mtf_writer *w;
	mtf_writer_new(&w, fileno(f), 1);
	mtf_record r = {0};
	r.type = MTF_HEADER;
	r.u.header.host = S("box");
	mtf_writer_put(w, &r);
	uint64_t regions[6] = {0x555555560000ull, 0x555555581000ull, MTF_REGION_ARENA | MTF_REGION_ANON,
			       0x7ffc00000000ull, 0x7ffc00021000ull, MTF_REGION_STACK};
	uint64_t words[6] = {0x7ffc00000010ull, 0x5555555602a0ull, 0x555555560300ull, 8,
			     0x7ffc00000008ull, 0xffffffffffffffffull};
	uint64_t heads[8] = {0x555555560318ull, 5, 0, 0x31, 0x555555560308ull, 1, 2, 3};
	uint64_t vtables[2] = {0x555555560400ull, 0x5555555602a0ull};
	mtf_record s[6] = {
		{.type = MTF_SCAN, .u.scan = {.pid = 7, .seq = 99, .time_ns = 5, .part = MTF_SCAN_BEGIN, .a = MTF_SCAN_AT__EXIT}},
		{.type = MTF_SCAN, .u.scan = {.pid = 7, .seq = 99, .part = MTF_SCAN_REGIONS, .n = 2, .v = regions}},
		{.type = MTF_SCAN, .u.scan = {.pid = 7, .seq = 99, .part = MTF_SCAN_WORDS, .n = 3, .v = words}},
		{.type = MTF_SCAN, .u.scan = {.pid = 7, .seq = 99, .part = MTF_SCAN_HEADS, .n = 2, .v = heads}},
		{.type = MTF_SCAN, .u.scan = {.pid = 7, .seq = 99, .part = MTF_SCAN_VTABLES, .n = 2, .v = vtables}},
		{.type = MTF_SCAN, .u.scan = {.pid = 7, .seq = 99, .part = MTF_SCAN_DONE, .a = 3}},
	};
	for (int i = 0; i < 6; i++)
		CHECK(mtf_writer_put(w, &s[i]) == 0);
	mtf_record bad = {.type = MTF_SCAN, .u.scan = {.part = 9}};
	CHECK(mtf_writer_put(w, &bad) == MTF_E_BADREC);
	mtf_writer_flush(w);
	mtf_writer_free(w);
	fclose(f);
	mtf_reader *rd;
	mtf_record rec;
	CHECK(mtf_reader_open(&rd, p) == 0);
	CHECK(mtf_reader_next(rd, &rec) == 1 && rec.type == MTF_HEADER);
	CHECK(mtf_reader_next(rd, &rec) == 1 && rec.type == MTF_SCAN);
	CHECK(rec.u.scan.pid == 7 && rec.u.scan.seq == 99 && rec.u.scan.time_ns == 5 &&
	      rec.u.scan.part == MTF_SCAN_BEGIN && rec.u.scan.a == MTF_SCAN_AT__EXIT && rec.u.scan.n == 0);
	CHECK(mtf_reader_next(rd, &rec) == 1 && rec.u.scan.part == MTF_SCAN_REGIONS && rec.u.scan.n == 2);
	CHECK(!memcmp(rec.u.scan.v, regions, sizeof regions));
	CHECK(mtf_reader_next(rd, &rec) == 1 && rec.u.scan.part == MTF_SCAN_WORDS && rec.u.scan.n == 3);
	CHECK(!memcmp(rec.u.scan.v, words, sizeof words));
	CHECK(mtf_reader_next(rd, &rec) == 1 && rec.u.scan.part == MTF_SCAN_HEADS && rec.u.scan.n == 2);
	CHECK(!memcmp(rec.u.scan.v, heads, sizeof heads));
	CHECK(mtf_reader_next(rd, &rec) == 1 && rec.u.scan.part == MTF_SCAN_VTABLES && rec.u.scan.n == 2);
	CHECK(!memcmp(rec.u.scan.v, vtables, sizeof vtables));
	CHECK(mtf_reader_next(rd, &rec) == 1 && rec.u.scan.part == MTF_SCAN_DONE && rec.u.scan.a == 3);
	CHECK(mtf_reader_next(rd, &rec) == 0);
	mtf_reader_free(rd);
	unlink(p);
}

/* mtf_scan_encode's one-store varints against the plain byte-at-a-time ones, for every
 * width: lengths 1 to 10 (the 2^56 edge where it falls back), zigzag of negative deltas,
 * and a buffer of exactly n * width * 10 bytes that it must not write past. */
static void scan_encode_reference(void)
{
	enum { N = 600 };
	static uint64_t v[N * 4];
	static uint8_t got[N * 4 * 10 + 16], want[N * 4 * 10];
	uint64_t x = 0x9E3779B97F4A7C15ull;
	for (size_t i = 0; i < N * 4; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		unsigned shift = (unsigned)(i % 64); /* magnitudes from 1 bit to 64 */
		v[i] = i % 7 == 0 ? 0 : i % 11 == 0 ? (1ull << 55) + (x & 1) * ((1ull << 56) - 1) : x >> shift;
	}
	for (unsigned width = 1; width <= 4; width++) {
		uint32_t n = N * 4 / width;
		uint64_t prev[4] = {0, 0, 0, 0};
		size_t wl = 0;
		for (uint32_t i = 0; i < n; i++)
			for (unsigned k = 0; k < width; k++) {
				uint64_t y = v[(size_t)i * width + k];
				wl += mtf_put_varint(want + wl, mtf_zigzag((int64_t)(y - prev[k])));
				prev[k] = y;
			}
		size_t room = (size_t)n * width * 10;
		memset(got, 0xAB, sizeof got);
		size_t gl = mtf_scan_encode(got, v, n, width);
		CHECK(gl == wl);
		CHECK(!memcmp(got, want, wl));
		CHECK(got[room] == 0xAB); /* nothing past the buffer the caller sized */
		int lens[11] = {0};
		for (size_t i = 0, l = 1; i < wl; i++, l++)
			if (want[i] < 0x80) {
				lens[l <= 10 ? l : 0]++;
				l = 0;
			}
		for (int l = 1; l <= 10; l++)
			CHECK(lens[l] > 0 || l == 10); /* every length was written (10 needs 2^63) */
	}
	/* the largest zigzag values: 9 and 10 bytes, through the byte-at-a-time path */
	uint64_t big[4] = {0, 1ull << 62, 0, 0x8000000000000000ull};
	size_t gl = mtf_scan_encode(got, big, 2, 2);
	size_t wl = mtf_put_varint(want, 0);
	wl += mtf_put_varint(want + wl, mtf_zigzag((int64_t)(1ull << 62)));
	wl += mtf_put_varint(want + wl, 0);
	wl += mtf_put_varint(want + wl, mtf_zigzag((int64_t)(0x8000000000000000ull - (1ull << 62))));
	CHECK(gl == wl && !memcmp(got, want, wl));
}

/* SCAN items encoded by the recorder's process (mtf_scan_encode) and written as they are:
 * the file holds the same bytes mtf_writer_put writes, and items that are not exactly the
 * record's count of varints (a scribbled ring) are refused, with nothing written. */
static void scan_encoded(void)
{
	uint64_t words[8] = {0x7ffc00000010ull, 0x5555555602a0ull, 0x7ffc00000008ull, 0xffffffffffffffffull,
			     0x7ffc00000018ull, 0, 0x7ffc00001000ull, 0x555555560300ull};
	uint8_t enc[8 * 10];
	size_t len = mtf_scan_encode(enc, words, 4, 2);
	CHECK(len > 8 && len < 8 * 10 && enc[len - 1] < 0x80);
	char *paths[2];
	paths[0] = strdup(tmp_path()); /* tmp_path's buffer is static */
	paths[1] = strdup(tmp_path());
	for (int k = 0; k < 2; k++) {
		FILE *f = fopen(paths[k], "w");
		mtf_writer *w;
		mtf_writer_new(&w, fileno(f), 1);
		mtf_record h = {.type = MTF_HEADER};
		h.u.header.host = S("box");
		mtf_writer_put(w, &h);
		mtf_record r = {.type = MTF_SCAN, .u.scan = {.pid = 7, .seq = 99, .time_ns = 5, .part = MTF_SCAN_WORDS, .n = 4, .v = words}};
		if (k == 0) {
			CHECK(mtf_writer_put(w, &r) == 0);
		} else {
			r.u.scan.v = NULL; /* never read */
			CHECK(mtf_writer_scan_encoded(w, &r, enc, len) == 0);
			r.u.scan.n = 3; /* four items' bytes for three */
			CHECK(mtf_writer_scan_encoded(w, &r, enc, len) == MTF_E_BADREC);
			r.u.scan.n = 4; /* the last varint cut: a continuation byte last */
			CHECK(mtf_writer_scan_encoded(w, &r, enc, len - 1) == MTF_E_BADREC);
			size_t j = 0;
			while (enc[j] >= 0x80)
				j++;
			enc[j] |= 0x80; /* the first varint runs into the second: one too few */
			CHECK(mtf_writer_scan_encoded(w, &r, enc, len) == MTF_E_BADREC);
			enc[j] &= 0x7f;
			r.u.scan.part = MTF_SCAN_PART_MAX + 1;
			CHECK(mtf_writer_scan_encoded(w, &r, enc, len) == MTF_E_BADREC);
		}
		mtf_writer_flush(w);
		mtf_writer_free(w);
		fclose(f);
	}
	for (int k = 0; k < 2; k++) {
		mtf_reader *rd;
		mtf_record rec;
		CHECK(mtf_reader_open(&rd, paths[k]) == 0);
		CHECK(mtf_reader_next(rd, &rec) == 1 && rec.type == MTF_HEADER);
		CHECK(mtf_reader_next(rd, &rec) == 1 && rec.type == MTF_SCAN && rec.u.scan.part == MTF_SCAN_WORDS);
		CHECK(rec.u.scan.pid == 7 && rec.u.scan.seq == 99 && rec.u.scan.time_ns == 5 && rec.u.scan.n == 4);
		CHECK(!memcmp(rec.u.scan.v, words, sizeof words));
		CHECK(mtf_reader_next(rd, &rec) == 0); /* the refused ones left nothing */
		mtf_reader_free(rd);
	}
	FILE *a = fopen(paths[0], "r"), *b = fopen(paths[1], "r");
	char ba[4096], bb[4096];
	size_t na = fread(ba, 1, sizeof ba, a), nb = fread(bb, 1, sizeof bb, b);
	CHECK(na == nb && !memcmp(ba, bb, na)); /* the same file, byte for byte */
	fclose(a);
	fclose(b);
	unlink(paths[0]);
	unlink(paths[1]);
	free(paths[0]);
	free(paths[1]);
}

/* DEVICE_READY (15): a device's setup is done; a reader of an older revision skips it. */
static void device_ready(void)
{
	char *p = tmp_path();
	FILE *f = fopen(p, "w");
	mtf_writer *w;
	mtf_writer_new(&w, fileno(f), 1);
	mtf_record r = {0};
	r.type = MTF_HEADER;
	r.u.header.host = S("box");
	mtf_writer_put(w, &r);
	mtf_record d = {.type = MTF_DEVICE_READY,
			.u.device = {.pid = 7, .seq = 1234567, .time_ns = 89, .device = 0xFFFFFFFEu}};
	CHECK(mtf_writer_put(w, &d) == 0);
	mtf_writer_flush(w);
	mtf_writer_free(w);
	fclose(f);
	mtf_reader *rd;
	mtf_record rec;
	CHECK(mtf_reader_open(&rd, p) == 0);
	CHECK(mtf_reader_next(rd, &rec) == 1 && rec.type == MTF_HEADER);
	CHECK(mtf_reader_next(rd, &rec) == 1 && rec.type == MTF_DEVICE_READY);
	CHECK(rec.u.device.pid == 7 && rec.u.device.seq == 1234567 && rec.u.device.time_ns == 89 &&
	      rec.u.device.device == 0xFFFFFFFEu && rec.u.device.close == 0 && rec.u.device.name.len == 0);
	CHECK(mtf_reader_next(rd, &rec) == 0);
	mtf_reader_free(rd);
	unlink(p);
}

/* CLOCK records (16): the collector's readings of the clock and the counter round-trip. */
static void clock_records(void)
{
	char *p = tmp_path();
	FILE *f = fopen(p, "w");
	mtf_writer *w;
	mtf_writer_new(&w, fileno(f), 1);
	mtf_record r = {0};
	r.type = MTF_HEADER;
	r.u.header.host = S("box");
	mtf_writer_put(w, &r);
	uint64_t readings[3][2] = {{0, 0}, {1234, 200000}, {UINT64_MAX, 1ull << 50}};
	for (int i = 0; i < 3; i++) {
		mtf_record c = {.type = MTF_CLOCK, .u.clock = {.seq = readings[i][0], .time_ns = readings[i][1]}};
		CHECK(mtf_writer_put(w, &c) == 0);
	}
	mtf_writer_flush(w);
	mtf_writer_free(w);
	fclose(f);
	mtf_reader *rd;
	mtf_record rec;
	CHECK(mtf_reader_open(&rd, p) == 0);
	CHECK(mtf_reader_next(rd, &rec) == 1 && rec.type == MTF_HEADER);
	for (int i = 0; i < 3; i++) {
		CHECK(mtf_reader_next(rd, &rec) == 1 && rec.type == MTF_CLOCK);
		CHECK(rec.u.clock.seq == readings[i][0] && rec.u.clock.time_ns == readings[i][1]);
	}
	CHECK(mtf_reader_next(rd, &rec) == 0);
	mtf_reader_free(rd);
	unlink(p);
}

/* A trace still being written: a live reader stops at the frame its writer has not
 * finished (no damage), and reads on from there when the rest arrives. */
static void growing_file(void)
{
	char *p = tmp_path();
	uint64_t f1;
	size_t total = write_sample(p, &f1);
	FILE *f = fopen(p, "r");
	unsigned char *buf = malloc(total);
	CHECK(fread(buf, 1, total, f) == total);
	fclose(f);
	f = fopen(p, "w"); /* the first frame and a part of the second */
	CHECK(fwrite(buf, 1, f1 + 7, f) == f1 + 7);
	fflush(f);
	mtf_reader *r, *plain;
	mtf_record rec;
	CHECK(mtf_reader_open(&r, p) == 0 && mtf_reader_set_live(r, 40) == 0);
	CHECK(mtf_reader_open(&plain, p) == 0);
	int n = 0, ret;
	while ((ret = mtf_reader_next(r, &rec)) == 1)
		n++;
	CHECK(ret == 0 && n == 4 && !mtf_reader_complete(r) && mtf_reader_good_offset(r) == f1);
	while ((ret = mtf_reader_next(plain, &rec)) == 1)
		;
	CHECK(ret == MTF_E_TRUNC); /* without live mode, the same file is cut short */
	CHECK(mtf_reader_next(r, &rec) == 0); /* still nothing new: still no damage */
	CHECK(fwrite(buf + f1 + 7, 1, total - f1 - 7, f) == total - f1 - 7);
	fclose(f);
	int types = 0;
	while ((ret = mtf_reader_next(r, &rec)) == 1)
		types = types * 100 + rec.type;
	CHECK(ret == 0 && types == MTF_MARK * 100 + MTF_END && mtf_reader_complete(r));
	CHECK(mtf_reader_good_offset(r) == total);
	mtf_reader_free(r);
	mtf_reader_free(plain);
	CHECK(mtf_reader_open_mem(&r, buf, total) == 0 && mtf_reader_set_live(r, 10) == -EINVAL);
	mtf_reader_free(r);
	free(buf);
	unlink(p);
}

/* mtrec -p: the HEADER flag and PROCESS how ATTACH pass through as written. */
static void attached(void)
{
	char *p = tmp_path();
	FILE *f = fopen(p, "w");
	mtf_writer *w;
	mtf_writer_new(&w, fileno(f), 1);
	mtf_record r = {0};
	r.type = MTF_HEADER;
	r.u.header.host = S("box");
	r.u.header.pid = 77;
	r.u.header.flags = MTF_FLAG_ATTACHED | MTF_FLAG_STACKS;
	mtf_writer_put(w, &r);
	memset(&r, 0, sizeof r);
	r.type = MTF_PROCESS;
	r.u.process.pid = 77; r.u.process.ppid = 1; r.u.process.seq = 5; r.u.process.how = MTF_PROC_ATTACH;
	r.u.process.exe = S("/bin/server"); r.u.process.cmdline = S("server");
	mtf_writer_put(w, &r);
	mtf_writer_flush(w);
	mtf_writer_free(w);
	fclose(f);
	mtf_reader *rd;
	mtf_record rec;
	CHECK(mtf_reader_open(&rd, p) == 0);
	CHECK(mtf_reader_next(rd, &rec) == 1 && rec.type == MTF_HEADER &&
	      rec.u.header.flags == (MTF_FLAG_ATTACHED | MTF_FLAG_STACKS));
	CHECK(mtf_reader_next(rd, &rec) == 1 && rec.type == MTF_PROCESS && rec.u.process.how == MTF_PROC_ATTACH &&
	      rec.u.process.seq == 5);
	CHECK(mtf_reader_next(rd, &rec) == 0);
	mtf_reader_free(rd);
	unlink(p);
}

/* PERF_MAP records (17): entries of a runtime's perf map round-trip; a name over the
 * string limit is cut to it by the writer. */
static void perf_map_records(void)
{
	char *p = tmp_path();
	FILE *f = fopen(p, "w");
	mtf_writer *w;
	mtf_writer_new(&w, fileno(f), 1);
	mtf_record r = {0};
	r.type = MTF_HEADER;
	r.u.header.host = S("box");
	mtf_writer_put(w, &r);
	static char big[MTF_MAX_STRING + 2];
	memset(big, 'x', sizeof big - 1);
	const char *names[3] = {"py::leak:/app/x.py", "", big};
	uint64_t ranges[3][2] = {{0x7f0000001000ull, 0xb}, {0, 0}, {UINT64_MAX - 5, 5}};
	for (int i = 0; i < 3; i++) {
		mtf_record m = {.type = MTF_PERF_MAP, .u.perf_map = {.pid = 42, .seq = (uint64_t)i + 7,
			.start = ranges[i][0], .size = ranges[i][1], .name = {names[i], (uint32_t)strlen(names[i])}}};
		CHECK(mtf_writer_put(w, &m) == 0);
	}
	mtf_writer_flush(w);
	mtf_writer_free(w);
	fclose(f);
	mtf_reader *rd;
	mtf_record rec;
	CHECK(mtf_reader_open(&rd, p) == 0);
	CHECK(mtf_reader_next(rd, &rec) == 1 && rec.type == MTF_HEADER);
	for (int i = 0; i < 3; i++) {
		CHECK(mtf_reader_next(rd, &rec) == 1 && rec.type == MTF_PERF_MAP);
		CHECK(rec.u.perf_map.pid == 42 && rec.u.perf_map.seq == (uint64_t)i + 7);
		CHECK(rec.u.perf_map.start == ranges[i][0] && rec.u.perf_map.size == ranges[i][1]);
		size_t want = i == 2 ? MTF_MAX_STRING : strlen(names[i]);
		CHECK(rec.u.perf_map.name.len == want && !strncmp(rec.u.perf_map.name.s, names[i], want));
	}
	CHECK(mtf_reader_next(rd, &rec) == 0);
	mtf_reader_free(rd);
	unlink(p);
}

int main(void)
{
	RUN(growing_file);
	RUN(attached);
	RUN(device_ready);
	RUN(clock_records);
	RUN(perf_map_records);
	RUN(scan_records);
	RUN(scan_encoded);
	RUN(scan_encode_reference);
	RUN(roundtrip);
	RUN(truncation);
	RUN(flips);
	RUN(not_a_trace);
	RUN(varints);
	RUN(sampled_header);
	RUN(shrinks_while_read);
	UNIT_EXIT();
}
