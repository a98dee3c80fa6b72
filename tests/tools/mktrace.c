/* mktrace: writes synthetic traces for mtan's end-to-end tests and load benchmark.
 *   mktrace basic OUT        a small trace whose summary and leaks are known exactly
 *                            (the numbers are listed above write_basic)
 *   mktrace noend OUT        the same without its END record (a recorder stopped short)
 *   mktrace bench OUT N [T]  about N events from T threads (default 4): churn with address
 *                            reuse, reallocs, stacks, interleaved chunks, some leaks
 * Frames of the basic trace are this program's own functions, with its own module map, so
 * symbolization can be checked by name. */
#include "mtf.h"
#include "trace_build.h"

#include <link.h>
#include <limits.h>
#include <stdint.h>

struct self {
	uint64_t base, size;
	char path[PATH_MAX];
};

static int self_cb(struct dl_phdr_info *info, size_t sz, void *arg)
{
	(void)sz;
	struct self *s = arg;
	if (info->dlpi_name && *info->dlpi_name)
		return 0; /* the main program comes first, with an empty name */
	uint64_t hi = 0;
	for (int i = 0; i < info->dlpi_phnum; i++)
		if (info->dlpi_phdr[i].p_type == PT_LOAD && info->dlpi_phdr[i].p_vaddr + info->dlpi_phdr[i].p_memsz > hi)
			hi = info->dlpi_phdr[i].p_vaddr + info->dlpi_phdr[i].p_memsz;
	s->base = info->dlpi_addr;
	s->size = hi;
	return 1;
}

/* The sites the basic trace's stacks point into; their names are what the test reads. */
__attribute__((noinline, used)) void site_alpha(void) { __asm__ volatile(""); }
__attribute__((noinline, used)) void site_beta(void) { __asm__ volatile(""); }
__attribute__((noinline, used)) void site_caller(void) { __asm__ volatile(""); }

/* A return address "in" fn: the analyzer looks at address - 1, which is fn itself. */
#define RET(fn) ((uint64_t)(uintptr_t)(fn) + 1)

static mtf_event on_dev(mtf_event e, uint32_t device, uint32_t space)
{
	e.device = device;
	e.space = space;
	e.op = MTF_OP_MAKE(MTF_OP_KIND(e.op), MTF_FN_CLIENT);
	return e;
}

static mtf_event with_stack(mtf_event e, uint32_t stack)
{
	e.stack = stack;
	return e;
}

/* Expected (mtan summary --format json):
 *   events 14, allocs 8, frees 6, bytes_allocated 7988, peak_bytes 6908
 *   leaked_blocks 4, leaked_bytes 2330, released 1 block / 4096 bytes
 *   processes 2, threads 3, anomalies: double_free 1, unmatched_free 1, others 0
 *   spaces: host heap: allocs 6, frees 5, bytes 3380, peak 4600, leaked 4 / 2330
 *           device 0 DRAM: allocs 2, frees 1, bytes 4608, peak 4608, leaked 0, released 4096
 * Expected (mtan leaks --format json): 3 sites by bytes: 2000 (1 block, site_beta),
 *   300 (2 blocks, site_alpha then site_caller), 30 (1 block, pid 200, no frames). */
static int write_basic(const char *out, int end)
{
	struct tb t;
	struct self self = {0};
	dl_iterate_phdr(self_cb, &self);
	if (!realpath("/proc/self/exe", self.path))
		return -1;
	uint64_t s1[] = {RET(site_alpha), RET(site_caller)};
	uint64_t s2[] = {RET(site_beta)};
	mtf_event main1[] = {
		with_stack(A(2, 0x1000, 100), 1), with_stack(A(3, 0x2000, 200), 1),
		with_stack(A(4, 0x3000, 50), 2), F(6, 0x3000), F(7, 0x3000), F(8, 0x9000)};
	mtf_event worker[] = {
		with_stack(A(5, 0x4000, 1000), 2), tb_ev(MTF_FREE, MTF_FN_REALLOC, 9, 0x4000, 0),
		with_stack(tb_ev(MTF_ALLOC, MTF_FN_REALLOC, 10, 0x5000, 2000), 2)};
	mtf_event main2[] = {on_dev(A(12, 0x10, 4096), 0, 1), on_dev(A(13, 0x20000, 512), 0, 1),
			     on_dev(F(14, 0x20000), 0, 1)};
	mtf_event child[] = {F(17, 0x1000), A(18, 0x6000, 30)};
	if (tb_open(&t, out, 100) || tb_process(&t, 1, 100, 1, MTF_PROC_EXEC) ||
	    tb_module(&t, 1, 100, self.base, self.size, self.path) || tb_thread(&t, 1, 100, 100, "main") ||
	    tb_thread(&t, 5, 100, 101, "worker") || tb_stack(&t, 100, 1, s1, 2) || tb_stack(&t, 100, 2, s2, 1) ||
	    /* the worker's chunk first: the analyzer must not trust chunk order */
	    tb_events(&t, 100, 101, worker, 3) || tb_events(&t, 100, 100, main1, 6) ||
	    tb_device(&t, 11, 100, 0, 0, "npu0", 1 << 20) || tb_space(&t, 100, 1, "DRAM") ||
	    tb_events(&t, 100, 100, main2, 3) || tb_device(&t, 15, 100, 0, 1, "", 0) ||
	    tb_process(&t, 16, 200, 100, MTF_PROC_FORK) || tb_events(&t, 200, 200, child, 2) ||
	    tb_exit(&t, 19, 200, 0) || tb_exit(&t, 20, 100, 0))
		return -1;
	return tb_close(&t, end, 14);
}

/* ------------------------------------------------------------------ bench */

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

#define CHUNK 4096
#define WORKING_SET 2000
#define NSTACKS 500

struct thr {
	mtf_event buf[CHUNK];
	uint32_t n;
	uint64_t live[WORKING_SET], live_size[WORKING_SET];
	uint32_t nlive;
	uint64_t freelist[WORKING_SET + 8];
	uint32_t nfree;
	uint64_t next_addr;
};

static int flush_thread(struct tb *t, struct thr *th, uint32_t tid)
{
	int ret = th->n ? tb_events(t, 100, tid, th->buf, th->n) : 0;
	th->n = 0;
	return ret;
}

static int write_bench(const char *out, uint64_t n, uint32_t nthreads)
{
	struct tb t;
	struct thr *th = calloc(nthreads, sizeof(*th));
	uint64_t seq = 1, events = 0;
	if (!th || tb_open(&t, out, 100) || tb_process(&t, seq++, 100, 1, MTF_PROC_EXEC))
		return -1;
	uint64_t frames[8];
	for (uint32_t s = 1; s <= NSTACKS; s++) {
		for (int i = 0; i < 8; i++)
			frames[i] = 0x400000 + (next_rand() & 0xfffff);
		if (tb_stack(&t, 100, s, frames, 8))
			return -1;
	}
	for (uint32_t i = 0; i < nthreads; i++)
		th[i].next_addr = 0x10000000ull * (i + 1);
	while (events < n) {
		uint32_t i = (uint32_t)(next_rand() % nthreads);
		struct thr *h = &th[i];
		uint64_t r = next_rand();
		uint32_t stack = 1 + (uint32_t)((r >> 20) % NSTACKS);
		if (h->n + 2 > CHUNK && flush_thread(&t, h, 1000 + i))
			return -1;
		int do_alloc = h->nlive < WORKING_SET / 2 || (h->nlive < WORKING_SET && (r & 1));
		if (do_alloc) {
			uint64_t addr = h->nfree ? h->freelist[--h->nfree] : (h->next_addr += 64);
			uint64_t size = 16 + (r >> 40) % 4096;
			h->buf[h->n++] = with_stack(A(seq++, addr, size), stack);
			h->live[h->nlive] = addr;
			h->live_size[h->nlive++] = size;
			events++;
		} else {
			uint32_t k = (uint32_t)((r >> 8) % h->nlive);
			uint64_t addr = h->live[k];
			if ((r & 0xe) == 0) { /* one in eight frees is a realloc: free half + alloc half */
				uint64_t to = h->nfree ? h->freelist[--h->nfree] : (h->next_addr += 64);
				h->buf[h->n++] = tb_ev(MTF_FREE, MTF_FN_REALLOC, seq++, addr, 0);
				h->buf[h->n++] = with_stack(tb_ev(MTF_ALLOC, MTF_FN_REALLOC, seq++, to, 64), stack);
				h->freelist[h->nfree++] = addr;
				h->live[k] = to;
				h->live_size[k] = 64;
				events += 2;
			} else {
				h->buf[h->n++] = F(seq++, addr);
				h->live[k] = h->live[--h->nlive];
				h->live_size[k] = h->live_size[h->nlive];
				h->freelist[h->nfree++] = addr;
				events++;
			}
		}
	}
	/* free all but one block in ten at the end: leaks to report */
	for (uint32_t i = 0; i < nthreads; i++) {
		struct thr *h = &th[i];
		for (uint32_t k = 0; k < h->nlive; k++) {
			if (k % 10 == 0)
				continue;
			if (h->n + 1 > CHUNK && flush_thread(&t, h, 1000 + i))
				return -1;
			h->buf[h->n++] = F(seq++, h->live[k]);
			events++;
		}
		if (flush_thread(&t, h, 1000 + i))
			return -1;
	}
	free(th);
	fprintf(stderr, "mktrace: %llu events\n", (unsigned long long)events);
	return tb_close(&t, 1, events);
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "basic"))
		return write_basic(argv[2], 1) ? 1 : 0;
	if (argc >= 3 && !strcmp(argv[1], "noend"))
		return write_basic(argv[2], 0) ? 1 : 0;
	if (argc >= 4 && !strcmp(argv[1], "bench")) {
		uint64_t n = strtoull(argv[3], NULL, 10);
		uint32_t threads = argc > 4 ? (uint32_t)strtoul(argv[4], NULL, 10) : 4;
		return write_bench(argv[2], n, threads ? threads : 1) ? 1 : 0;
	}
	fprintf(stderr, "usage: mktrace basic|noend OUT | mktrace bench OUT N [THREADS]\n");
	return 2;
}
