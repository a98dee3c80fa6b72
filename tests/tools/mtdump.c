/* mtdump: prints every record of a trace, one line each, for tests and debugging; with -c
 * only the counts of host-heap events (an oracle independent of mtan's loader).
 * Usage: mtdump [-c] TRACE. Exit 1 on a decode error (after printing what decoded). */
#include "mtf.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	int counts = argc == 3 && !strcmp(argv[1], "-c");
	if (argc != 2 && !counts) {
		fprintf(stderr, "usage: mtdump [-c] TRACE\n");
		return 2;
	}
	argv += counts;
	unsigned long long allocs = 0, frees = 0, bytes = 0, other = 0;
	mtf_reader *r;
	int ret = mtf_reader_open(&r, argv[1]);
	if (ret) {
		fprintf(stderr, "mtdump: '%s': %s\n", argv[1], mtf_strerror(ret));
		return 1;
	}
	mtf_record rec;
	while ((ret = mtf_reader_next(r, &rec)) == 1) {
		if (counts) {
			for (uint32_t i = 0; rec.type == MTF_EVENTS && i < rec.u.events.n; i++) {
				const mtf_event *e = &rec.u.events.ev[i];
				if (e->device != MTF_HOST || e->space != 0)
					other++;
				else if (MTF_OP_KIND(e->op) == MTF_ALLOC)
					allocs++, bytes += e->size;
				else
					frees++;
			}
			continue;
		}
		switch (rec.type) {
		case MTF_HEADER:
			printf("header v%u pid=%u host=%s cmd=%s flags=%" PRIu64 "\n", rec.u.header.version,
			       rec.u.header.pid, rec.u.header.host.s, rec.u.header.cmdline.s, rec.u.header.flags);
			break;
		case MTF_PROCESS:
			printf("process pid=%u ppid=%u seq=%" PRIu64 " how=%u exe=%s cmd=%s\n", rec.u.process.pid,
			       rec.u.process.ppid, rec.u.process.seq, rec.u.process.how, rec.u.process.exe.s,
			       rec.u.process.cmdline.s);
			break;
		case MTF_PROCESS_EXIT:
			printf("exit pid=%u seq=%" PRIu64 " code=%d signal=%d\n", rec.u.process_exit.pid,
			       rec.u.process_exit.seq, rec.u.process_exit.code, rec.u.process_exit.signal);
			break;
		case MTF_THREAD:
			printf("thread pid=%u tid=%u seq=%" PRIu64 " name=%s\n", rec.u.thread.pid, rec.u.thread.tid,
			       rec.u.thread.seq, rec.u.thread.name.s);
			break;
		case MTF_MODULE:
			printf("module pid=%u seq=%" PRIu64 " %s base=0x%" PRIx64 " size=0x%" PRIx64 " path=%s buildid=%u\n",
			       rec.u.module.pid, rec.u.module.seq, rec.u.module.unload ? "unload" : "load",
			       rec.u.module.base, rec.u.module.size, rec.u.module.path.s, rec.u.module.build_id.len);
			break;
		case MTF_PERF_MAP:
			printf("perf_map pid=%u seq=%" PRIu64 " start=0x%" PRIx64 " size=0x%" PRIx64 " name=%s\n",
			       rec.u.perf_map.pid, rec.u.perf_map.seq, rec.u.perf_map.start, rec.u.perf_map.size,
			       rec.u.perf_map.name.s);
			break;
		case MTF_STACK:
			printf("stack pid=%u id=%u n=%u", rec.u.stack.pid, rec.u.stack.id, rec.u.stack.n);
			for (uint32_t i = 0; i < rec.u.stack.n; i++)
				printf(" 0x%" PRIx64, rec.u.stack.frames[i]);
			printf("\n");
			break;
		case MTF_EVENTS:
			for (uint32_t i = 0; i < rec.u.events.n; i++) {
				const mtf_event *e = &rec.u.events.ev[i];
				printf("event pid=%u tid=%u seq=%" PRIu64 " t=%" PRIu64 " %s func=%u dev=%d space=%u addr=0x%" PRIx64
				       " size=%" PRIu64 " stack=%u\n", rec.u.events.pid, rec.u.events.tid, e->seq, e->time_ns,
				       MTF_OP_KIND(e->op) ? "free" : "alloc", MTF_OP_FUNC(e->op), (int)e->device, e->space,
				       e->addr, e->size, e->stack);
			}
			break;
		case MTF_DEVICE:
			printf("device pid=%u seq=%" PRIu64 " %s dev=%u name=%s cap=%" PRIu64 "\n", rec.u.device.pid,
			       rec.u.device.seq, rec.u.device.close ? "close" : "open", rec.u.device.device,
			       rec.u.device.name.s, rec.u.device.capacity);
			break;
		case MTF_DEVICE_READY:
			printf("device pid=%u seq=%" PRIu64 " ready dev=%u\n", rec.u.device.pid, rec.u.device.seq,
			       rec.u.device.device);
			break;
		case MTF_SPACE:
			printf("space pid=%u id=%u name=%s\n", rec.u.space.pid, rec.u.space.id, rec.u.space.name.s);
			break;
		case MTF_MARK:
			printf("mark pid=%u tid=%u seq=%" PRIu64 " label=%s\n", rec.u.mark.pid, rec.u.mark.tid,
			       rec.u.mark.seq, rec.u.mark.label.s);
			break;
		case MTF_LOSS:
			printf("loss pid=%u tid=%u count=%" PRIu64 "\n", rec.u.loss.pid, rec.u.loss.tid, rec.u.loss.count);
			break;
		case MTF_RSS:
			printf("rss pid=%u t=%" PRIu64 " bytes=%" PRIu64 "\n", rec.u.rss.pid, rec.u.rss.time_ns,
			       rec.u.rss.rss_bytes);
			break;
		case MTF_END:
			printf("end events=%" PRIu64 " lost=%" PRIu64 " processes=%" PRIu64 " threads=%" PRIu64 "\n",
			       rec.u.end.events, rec.u.end.lost, rec.u.end.processes, rec.u.end.threads);
			break;
		case MTF_CLOCK:
			printf("clock seq=%" PRIu64 " time=%" PRIu64 "\n", rec.u.clock.seq, rec.u.clock.time_ns);
			break;
		case MTF_SCAN: {
			static const char *const part[] = {"begin", "regions", "words", "done", "heads", "vtables"};
			printf("scan pid=%u seq=%" PRIu64 " %s a=%" PRIu64 " n=%u t=%" PRIu64, rec.u.scan.pid,
			       rec.u.scan.seq, part[rec.u.scan.part], rec.u.scan.a, rec.u.scan.n, rec.u.scan.time_ns);
			unsigned w = mtf_scan_width(rec.u.scan.part);
			for (uint32_t i = 0; i < rec.u.scan.n; i++) {
				printf(i ? "," : " ");
				for (unsigned k = 0; k < w; k++)
					printf(k ? ":0x%" PRIx64 : "0x%" PRIx64, rec.u.scan.v[(size_t)i * w + k]);
			}
			printf("\n");
			break;
		}
		}
	}
	if (ret < 0)
		fprintf(stderr, "mtdump: '%s': %s at offset %llu\n", argv[1], mtf_strerror(ret),
			(unsigned long long)mtf_reader_bad_offset(r));
	if (counts)
		printf("allocs %llu frees %llu bytes %llu other %llu\n", allocs, frees, bytes, other);
	mtf_reader_free(r);
	return ret < 0;
}
