/* mkseeds: writes the fuzzers' seed corpus with the real writer, so the seeds follow the
 * format as the code does. Usage: mkseeds DIR (writes DIR/decoder/NAME.zst, the traces as
 * mtrec writes them, DIR/records/NAME.bin, their decompressed record streams, and
 * DIR/roundtrip/NAME, event descriptions in fuzz_roundtrip's input language). */
#include "mtf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

static mtf_str str(const char *s)
{
	mtf_str r = {s, (uint32_t)strlen(s)};
	return r;
}

static int put_header(mtf_writer *w, uint64_t flags)
{
	mtf_record r = {0};
	r.type = MTF_HEADER;
	r.u.header.host = str("box");
	r.u.header.pid = 100;
	r.u.header.cmdline = str("./app -x");
	r.u.header.realtime_ns = 1700000000000000000ull;
	r.u.header.flags = flags;
	return mtf_writer_put(w, &r);
}

static int put_end(mtf_writer *w, uint64_t events)
{
	mtf_record r = {0};
	r.type = MTF_END;
	r.u.end.events = events;
	r.u.end.processes = 1;
	r.u.end.threads = 1;
	return mtf_writer_put(w, &r);
}

/* HEADER and END: the smallest complete trace. */
static int seed_minimal(mtf_writer *w)
{
	int ret = put_header(w, 0);
	return ret ? ret : put_end(w, 0);
}

/* Every record type once, events with every op combination, two frames. */
static int seed_all(mtf_writer *w)
{
	int ret = put_header(w, MTF_FLAG_STACKS);
	mtf_record r = {0};
#define PUT() do { if (!ret) ret = mtf_writer_put(w, &r); memset(&r, 0, sizeof r); } while (0)
	r.type = MTF_PROCESS;
	r.u.process.pid = 100; r.u.process.ppid = 1; r.u.process.seq = 1; r.u.process.time_ns = 5;
	r.u.process.exe = str("/bin/app"); r.u.process.cmdline = str("app -x");
	r.u.process.how = MTF_PROC_EXEC;
	PUT();
	r.type = MTF_THREAD;
	r.u.thread.pid = 100; r.u.thread.tid = 101; r.u.thread.seq = 2; r.u.thread.name = str("worker");
	PUT();
	r.type = MTF_MODULE;
	r.u.module.pid = 100; r.u.module.seq = 3; r.u.module.base = 0x555555554000ull;
	r.u.module.size = 0x2000; r.u.module.path = str("/bin/app");
	r.u.module.build_id.s = "\x12\x34\x56\x78"; r.u.module.build_id.len = 4;
	PUT();
	uint64_t frames[3] = {0x555555555123ull, 0x7f0000001000ull, 0x555555555000ull};
	r.type = MTF_STACK;
	r.u.stack.pid = 100; r.u.stack.id = 1; r.u.stack.n = 3; r.u.stack.frames = frames;
	PUT();
	r.type = MTF_DEVICE;
	r.u.device.pid = 100; r.u.device.seq = 4; r.u.device.device = 0;
	r.u.device.name = str("npu0"); r.u.device.capacity = 1ull << 30;
	PUT();
	r.type = MTF_SPACE;
	r.u.space.pid = 100; r.u.space.id = 1; r.u.space.name = str("DRAM");
	PUT();
	if (ret)
		return ret;
	mtf_event ev[2 * 2 * 8];
	uint32_t n = 0;
	for (uint32_t kind = 0; kind < 2; kind++)
		for (uint32_t fn = 0; fn <= MTF_FN_MAX; fn++)
			for (uint32_t dev = 0; dev < 2; dev++, n++) {
				mtf_event *e = &ev[n];
				memset(e, 0, sizeof *e);
				e->seq = 10 + n + (n == 5 ? 20 : 0); /* one out-of-order seq */
				e->time_ns = 1000 + 10 * n;
				e->addr = 0x4000 + 0x40 * (n / 2);
				e->size = kind == MTF_ALLOC ? 16 + n : 0;
				e->device = dev ? 0 : MTF_HOST;
				e->space = dev ? 1 : 0;
				e->stack = (n & 1) ? 0 : 1;
				e->op = MTF_OP_MAKE(kind, fn);
			}
	if ((ret = mtf_writer_events(w, 100, 101, ev, n)) || (ret = mtf_writer_flush(w)))
		return ret;
	r.type = MTF_MARK;
	r.u.mark.pid = 100; r.u.mark.tid = 101; r.u.mark.seq = 60; r.u.mark.label = str("phase 2");
	PUT();
	r.type = MTF_LOSS;
	r.u.loss.pid = 100; r.u.loss.tid = 101; r.u.loss.seq = 61; r.u.loss.count = 3;
	PUT();
	r.type = MTF_RSS;
	r.u.rss.pid = 100; r.u.rss.time_ns = 5000; r.u.rss.rss_bytes = 1 << 20;
	PUT();
	r.type = MTF_PROCESS;
	r.u.process.pid = 102; r.u.process.ppid = 100; r.u.process.seq = 62;
	r.u.process.exe = str("/bin/app"); r.u.process.cmdline = str("app -x");
	r.u.process.how = MTF_PROC_FORK;
	PUT();
	r.type = MTF_DEVICE;
	r.u.device.pid = 100; r.u.device.seq = 63; r.u.device.close = 1; r.u.device.device = 0;
	PUT();
	r.type = MTF_PROCESS_EXIT;
	r.u.process_exit.pid = 102; r.u.process_exit.seq = 64; r.u.process_exit.code = -1;
	r.u.process_exit.signal = 9;
	PUT();
	r.type = MTF_PROCESS_EXIT;
	r.u.process_exit.pid = 100; r.u.process_exit.seq = 65;
	PUT();
#undef PUT
	return ret ? ret : put_end(w, n);
}

/* Several threads' chunks with stacks, each frame flushed: no END (writer killed). */
static int seed_threads(mtf_writer *w)
{
	int ret = put_header(w, MTF_FLAG_STACKS);
	uint64_t frames[4] = {0x401000, 0x401100, 0x402000, 0x7f00000010};
	for (uint32_t id = 1; id <= 3 && !ret; id++) {
		mtf_record r = {0};
		r.type = MTF_STACK;
		r.u.stack.pid = 100; r.u.stack.id = id; r.u.stack.n = 1 + id; r.u.stack.frames = frames;
		ret = mtf_writer_put(w, &r);
	}
	uint64_t seq = 1;
	for (uint32_t round = 0; round < 2 && !ret; round++) {
		for (uint32_t t = 0; t < 3 && !ret; t++) {
			mtf_event ev[6];
			for (uint32_t i = 0; i < 6; i++) {
				/* time_ns from the next seq, as the corpus was made (not seq++ inside the
				 * initializer: its order against the other fields is unspecified) */
				ev[i] = (mtf_event){.seq = seq, .time_ns = (seq + 1) * 7, .device = MTF_HOST,
					.addr = 0x10000 + 0x100 * t + 0x20 * (i / 2), .size = (i & 1) ? 0 : 24,
					.stack = (i & 1) ? 0 : 1 + (i / 2) % 3,
					.op = MTF_OP_MAKE((i & 1) ? MTF_FREE : MTF_ALLOC, MTF_FN_MALLOC)};
				seq++;
			}
			ret = mtf_writer_events(w, 100, 200 + t, ev, 6);
		}
		if (!ret)
			ret = mtf_writer_flush(w);
	}
	return ret;
}

/* Writes one seed: DIR/decoder/NAME.zst as the writer made it, and DIR/records/NAME.bin
 * with its data frames decompressed back to back (skippable frames left out), unless a
 * skippable frame is all that makes it differ from another seed. */
static int seed(const char *dir, const char *name, int (*fn)(mtf_writer *), int skippable)
{
	char path[4096];
	int ret = 0, fd = -1;
	mtf_writer *w = NULL;
	uint8_t *zbuf = NULL, *raw = NULL;
	FILE *f = NULL;
	snprintf(path, sizeof path, "%s/decoder/%s.zst", dir, name);
	if ((fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644)) < 0) {
		ret = -errno;
		goto out;
	}
	if (skippable) { /* a skippable frame first: the reader must step over it */
		static const uint8_t skip[12] = {0x50, 0x2a, 0x4d, 0x18, 4, 0, 0, 0, 'n', 'o', 't', 'e'};
		if (write(fd, skip, sizeof skip) != sizeof skip) {
			ret = -EIO;
			goto out;
		}
	}
	if ((ret = mtf_writer_new(&w, fd, 1)) || (ret = fn(w)) || (ret = mtf_writer_flush(w)))
		goto out;
	off_t size = lseek(fd, 0, SEEK_END);
	zbuf = malloc((size_t)size);
	raw = malloc(1u << 20);
	if (!zbuf || !raw || pread(fd, zbuf, (size_t)size, 0) != size) {
		ret = -EIO;
		goto out;
	}
	size_t in = 0, out_len = 0;
	while (in < (size_t)size) {
		size_t fsz = ZSTD_findFrameCompressedSize(zbuf + in, (size_t)size - in);
		if (ZSTD_isError(fsz)) {
			ret = MTF_E_ZSTD;
			goto out;
		}
		if (zbuf[in] == 0x28) { /* 0xFD2FB528 little-endian: a data frame */
			size_t n = ZSTD_decompress(raw + out_len, (1u << 20) - out_len, zbuf + in, fsz);
			if (ZSTD_isError(n)) {
				ret = MTF_E_ZSTD;
				goto out;
			}
			out_len += n;
		}
		in += fsz;
	}
	if (skippable) /* its records are another seed's */
		goto out;
	snprintf(path, sizeof path, "%s/records/%s.bin", dir, name);
	if (!(f = fopen(path, "wb")) || fwrite(raw, 1, out_len, f) != out_len) {
		ret = -EIO;
		goto out;
	}
out:
	if (f && fclose(f) && !ret)
		ret = -EIO;
	if (fd >= 0)
		close(fd);
	mtf_writer_free(w);
	free(zbuf);
	free(raw);
	return ret;
}

static int write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return -errno;
	int ok = fwrite(p, 1, n, f) == n;
	return fclose(f) == 0 && ok ? 0 : -EIO;
}

/* fuzz_roundtrip inputs: control byte, selector byte, [8 address bytes], seq 4, time 2,
 * size 1-7 (by the selector's low bits), [stack 4] (harness.h says what the bits mean). */
static int seed_roundtrip(const char *dir)
{
	static uint8_t buf[4096];
	size_t n = 0;
	uint64_t x = 0x2545F4914F6CDD1Dull;
	/* allocations then frees of the same addresses, FIFO and LIFO: back-references */
	for (int round = 0; round < 2; round++)
		for (int i = 0; i < 24; i++) {
			int fr = i >= 12, k = fr ? (round ? 23 - i : i - 12) : i;
			buf[n++] = (uint8_t)((fr ? 0x21 : (k & 8 ? 0x80 : 0)) | (k & 1 ? 0x10 : 0));
			buf[n++] = (uint8_t)((fr ? ((8 + k % 8) << 4) : 0) | (k & 3));
			if (!fr)
				for (int b = 0; b < 8; b++, x = x * 6364136223846793005ull + 1)
					buf[n++] = b < 5 ? (uint8_t)(x >> 56) : 0;
			buf[n++] = 1; buf[n++] = 0; buf[n++] = 0; buf[n++] = 0;
			buf[n++] = 100; buf[n++] = 0;
			for (int b = 0; b < (k & 3) * 2 + 1; b++)
				buf[n++] = (uint8_t)(16 * (b == 0));
			if (!fr && (k & 8))
				for (int b = 0; b < 4; b++)
					buf[n++] = b == 0 ? (uint8_t)(1 + k) : 0;
		}
	char path[4096];
	snprintf(path, sizeof path, "%s/roundtrip/alloc-free", dir);
	int ret = write_file(path, buf, n);
	/* the extreme addresses, freed on and off devices, with seq jumps */
	n = 0;
	for (int i = 0; i < 16; i++) {
		buf[n++] = (uint8_t)(0x21 | (i & 1 ? 0x10 : 0) | (i & 2 ? 0x40 : 0));
		buf[n++] = (uint8_t)(((i % 8) << 4) | (i & 3));
		for (int b = 0; b < 4 + 2 + (i & 3) * 2 + 1; b++)
			buf[n++] = (uint8_t)(b == 0 ? 0x80 + i : 0);
	}
	snprintf(path, sizeof path, "%s/roundtrip/extreme-frees", dir);
	return ret ? ret : write_file(path, buf, n);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: mkseeds DIR\n");
		return 2;
	}
	static const struct {
		const char *name;
		int (*fn)(mtf_writer *);
		int skippable;
	} seeds[] = {
		{"minimal", seed_minimal, 0},
		{"all-records", seed_all, 0},
		{"threads-no-end", seed_threads, 0},
		{"skippable-first", seed_minimal, 1},
	};
	int ret = seed_roundtrip(argv[1]);
	if (ret) {
		fprintf(stderr, "mkseeds: cannot write the roundtrip seeds: %s\n", mtf_strerror(ret));
		return 1;
	}
	for (size_t i = 0; i < sizeof seeds / sizeof *seeds; i++) {
		ret = seed(argv[1], seeds[i].name, seeds[i].fn, seeds[i].skippable);
		if (ret) {
			fprintf(stderr, "mkseeds: cannot write seed '%s': %s\n", seeds[i].name,
				mtf_strerror(ret));
			return 1;
		}
	}
	return 0;
}
