/* trace_build.h: writes small synthetic traces with the mtf_writer API for the analyzer's
 * unit tests: a header, then whatever records and event chunks a test lays out, seq by
 * seq, so the expected database rows can be stated exactly. */
#ifndef TRACE_BUILD_H
#define TRACE_BUILD_H

#include "mtf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct tb {
	FILE *f;
	mtf_writer *w;
};

static mtf_str tb_s(const char *s)
{
	mtf_str r = {s, (uint32_t)strlen(s)};
	return r;
}

static inline mtf_event tb_ev(int kind, int func, uint64_t seq, uint64_t addr, uint64_t size)
{
	mtf_event e = {0};
	e.seq = seq;
	e.time_ns = seq * 1000;
	e.addr = addr;
	e.size = kind == MTF_ALLOC ? size : 0;
	e.device = MTF_HOST;
	e.op = MTF_OP_MAKE(kind, func);
	return e;
}
#define A(seq, addr, size) tb_ev(MTF_ALLOC, MTF_FN_MALLOC, seq, addr, size)
#define F(seq, addr) tb_ev(MTF_FREE, MTF_FN_MALLOC, seq, addr, 0)

/* Opens path and writes the header of a trace whose launched program is pid. */
static inline int tb_open(struct tb *t, const char *path, uint32_t pid)
{
	mtf_record r;
	t->f = fopen(path, "w");
	if (!t->f || mtf_writer_new(&t->w, fileno(t->f), 1))
		return -1;
	memset(&r, 0, sizeof r);
	r.type = MTF_HEADER;
	r.u.header.host = tb_s("testhost");
	r.u.header.pid = pid;
	r.u.header.cmdline = tb_s("./app --test");
	r.u.header.realtime_ns = 1700000000000000000ull;
	r.u.header.flags = MTF_FLAG_STACKS;
	return mtf_writer_put(t->w, &r);
}

static inline int tb_process(struct tb *t, uint64_t seq, uint32_t pid, uint32_t ppid, uint32_t how)
{
	mtf_record r;
	memset(&r, 0, sizeof r);
	r.type = MTF_PROCESS;
	r.u.process.pid = pid;
	r.u.process.ppid = ppid;
	r.u.process.seq = seq;
	r.u.process.time_ns = seq * 1000;
	r.u.process.exe = tb_s("/usr/bin/app");
	r.u.process.cmdline = tb_s("app --test");
	r.u.process.how = how;
	return mtf_writer_put(t->w, &r);
}

static inline int tb_exit(struct tb *t, uint64_t seq, uint32_t pid, int code)
{
	mtf_record r;
	memset(&r, 0, sizeof r);
	r.type = MTF_PROCESS_EXIT;
	r.u.process_exit.pid = pid;
	r.u.process_exit.seq = seq;
	r.u.process_exit.time_ns = seq * 1000;
	r.u.process_exit.code = code;
	return mtf_writer_put(t->w, &r);
}

static inline int tb_device(struct tb *t, uint64_t seq, uint32_t pid, uint32_t device, int close,
			    const char *name, uint64_t capacity)
{
	mtf_record r;
	memset(&r, 0, sizeof r);
	r.type = MTF_DEVICE;
	r.u.device.pid = pid;
	r.u.device.seq = seq;
	r.u.device.time_ns = seq * 1000;
	r.u.device.close = (uint32_t)close;
	r.u.device.device = device;
	r.u.device.name = tb_s(name);
	r.u.device.capacity = capacity;
	return mtf_writer_put(t->w, &r);
}

/* DEVICE_READY: the device's setup is done (mtrec_device_ready) */
static inline int tb_device_ready(struct tb *t, uint64_t seq, uint32_t pid, uint32_t device)
{
	mtf_record r;
	memset(&r, 0, sizeof r);
	r.type = MTF_DEVICE_READY;
	r.u.device.pid = pid;
	r.u.device.seq = seq;
	r.u.device.time_ns = seq * 1000;
	r.u.device.device = device;
	return mtf_writer_put(t->w, &r);
}

static inline int tb_space(struct tb *t, uint32_t pid, uint32_t id, const char *name)
{
	mtf_record r;
	memset(&r, 0, sizeof r);
	r.type = MTF_SPACE;
	r.u.space.pid = pid;
	r.u.space.id = id;
	r.u.space.name = tb_s(name);
	return mtf_writer_put(t->w, &r);
}

static inline int tb_thread(struct tb *t, uint64_t seq, uint32_t pid, uint32_t tid, const char *name)
{
	mtf_record r;
	memset(&r, 0, sizeof r);
	r.type = MTF_THREAD;
	r.u.thread.pid = pid;
	r.u.thread.tid = tid;
	r.u.thread.seq = seq;
	r.u.thread.time_ns = seq * 1000;
	r.u.thread.name = tb_s(name);
	return mtf_writer_put(t->w, &r);
}

static inline int tb_stack(struct tb *t, uint32_t pid, uint32_t id, const uint64_t *frames, uint32_t n)
{
	mtf_record r;
	memset(&r, 0, sizeof r);
	r.type = MTF_STACK;
	r.u.stack.pid = pid;
	r.u.stack.id = id;
	r.u.stack.n = n;
	r.u.stack.frames = frames;
	return mtf_writer_put(t->w, &r);
}

static inline int tb_module(struct tb *t, uint64_t seq, uint32_t pid, uint64_t base, uint64_t size,
			    const char *path)
{
	mtf_record r;
	memset(&r, 0, sizeof r);
	r.type = MTF_MODULE;
	r.u.module.pid = pid;
	r.u.module.seq = seq;
	r.u.module.base = base;
	r.u.module.size = size;
	r.u.module.path = tb_s(path);
	return mtf_writer_put(t->w, &r);
}

static inline int tb_events(struct tb *t, uint32_t pid, uint32_t tid, const mtf_event *ev, uint32_t n)
{
	return mtf_writer_events(t->w, pid, tid, ev, n);
}

/* Closes the current zstd frame: what follows goes into the next one. */
static inline uint64_t tb_flush(struct tb *t)
{
	mtf_writer_flush(t->w);
	return mtf_writer_bytes(t->w);
}

/* Writes the END record (unless end is 0), flushes and closes. */
static inline int tb_close(struct tb *t, int end, uint64_t events)
{
	int ret = 0;
	if (end) {
		mtf_record r;
		memset(&r, 0, sizeof r);
		r.type = MTF_END;
		r.u.end.events = events;
		ret = mtf_writer_put(t->w, &r);
	}
	if (!ret)
		ret = mtf_writer_flush(t->w);
	mtf_writer_free(t->w);
	if (fclose(t->f))
		ret = -1;
	return ret;
}

#endif
