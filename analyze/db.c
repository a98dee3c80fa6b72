/* db.c: the database behind every command. A database named directly is opened as it is;
 * a trace gets its cache (TRACE.db beside it, or --db), reused while it matches the trace
 * and rebuilt otherwise, always under a temporary name renamed into place when complete. */
#include "db.h"
#include "load.h"
#include "opts.h"
#include "output.h"
#include "scope.h"
#include "sql.h"
#include "suppress.h"
#include "mtf.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <dirent.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

int mtan_is_sqlite(const char *path)
{
	static const char magic[16] = "SQLite format 3"; /* with its NUL: 16 bytes */
	char buf[16];
	/* O_NONBLOCK: a FIFO neither waits for a writer at open nor blocks the read */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof buf);
	int e = errno;
	close(fd);
	if (n < 0) {
		errno = e;
		return -1;
	}
	return n == 16 && !memcmp(buf, magic, 16);
}

static int query_int(sqlite3 *db, const char *section, const char *key, long long *v)
{
	sqlite3_stmt *st;
	int len, ret = -1;
	const char *sql = mtan_sql("db", section, &len);
	/* quietly: a foreign or broken file is an answer here, not an error */
	if (!sql || sqlite3_prepare_v2(db, sql, len, &st, NULL) != SQLITE_OK)
		return -1;
	if (key)
		sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
		*v = sqlite3_column_int64(st, 0);
		ret = 0;
	}
	sqlite3_finalize(st);
	return ret;
}

long long mtan_meta_int(sqlite3 *db, const char *key, long long def)
{
	long long v;
	return query_int(db, "meta_get", key, &v) ? def : v;
}

char *mtan_meta_text(sqlite3 *db, const char *key)
{
	sqlite3_stmt *st;
	int len;
	char *ret = NULL;
	const char *sql = mtan_sql("db", "meta_get", &len);
	if (!sql || sqlite3_prepare_v2(db, sql, len, &st, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		ret = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return ret;
}

enum { DB_OURS, DB_STALE, DB_FOREIGN, DB_DAMAGED, DB_NOTFILE };

/* SQLite's word on the last database classify() found damaged. */
static char damage[128];

/* What an existing database at path is: ours and current, stale (another schema, an
 * unfinished load, another trace), damaged (SQLite's header, but SQLite cannot read it),
 * not an mtan database at all, or not a regular file (a FIFO or a device such as
 * /dev/null would be replaced by the rename that finishes a load). For a trace's cache,
 * tst is the trace's stat; NULL checks only the schema and completeness. */
static int classify(const char *path, const struct stat *tst)
{
	sqlite3 *db = NULL;
	int ret = DB_FOREIGN;
	long long v;
	struct stat dst;
	if (stat(path, &dst) < 0)
		return DB_STALE;
	if (!S_ISREG(dst.st_mode))
		return DB_NOTFILE;
	if (dst.st_size == 0)
		return DB_STALE; /* an empty file: what an interrupted create leaves */
	if (mtan_is_sqlite(path) != 1)
		return DB_FOREIGN;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		goto out;
	if (query_int(db, "has_meta", NULL, &v)) {
		int code = sqlite3_errcode(db) & 0xff;
		if (code == SQLITE_CORRUPT || code == SQLITE_NOTADB) {
			snprintf(damage, sizeof damage, "%s", sqlite3_errmsg(db));
			ret = DB_DAMAGED;
		}
		goto out;
	}
	if (!v)
		goto out;
	ret = DB_STALE;
	if (query_int(db, "user_version", NULL, &v) || v != MTAN_SCHEMA_VERSION ||
	    mtan_meta_int(db, "schema_version", -1) != MTAN_SCHEMA_VERSION ||
	    mtan_meta_int(db, "load_complete", 0) != 1)
		goto out;
	if (tst) {
		long long mt = (long long)tst->st_mtim.tv_sec * 1000000000 + tst->st_mtim.tv_nsec;
		long long dt = (long long)dst.st_mtim.tv_sec * 1000000000 + dst.st_mtim.tv_nsec;
		if (mtan_meta_int(db, "trace_size", -1) != (long long)tst->st_size ||
		    mtan_meta_int(db, "trace_mtime_ns", -1) != mt || mt > dt)
			goto out;
	}
	ret = DB_OURS;
out:
	sqlite3_close(db);
	return ret;
}

/* ------------------------------------------------------------------ building */

/* The temporary database of the load in progress, removed if a signal ends us, and
 * the name it will have (for messages, which sql.c writes). */
static char building[PATH_MAX], building_final[PATH_MAX];

static void on_signal(int sig)
{
	if (building[0])
		unlink(building);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Installs the handler while tmp is being built (tmp NULL: restores what was there).
 * A signal ignored when we started (a background job's SIGINT, nohup's SIGHUP) stays
 * ignored: it can never end us, so there is nothing to clean up after. */
static void guard(const char *tmp)
{
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE};
	static struct sigaction saved[sizeof(sigs) / sizeof(sigs[0])];
	static int armed;
	if (!tmp == !armed)
		return; /* nothing to restore, or already armed */
	armed = !!tmp;
	if (tmp) {
		snprintf(building, sizeof building, "%s", tmp);
		snprintf(building_final, sizeof building_final, "%s", tmp);
		char *suffix = strstr(building_final, ".tmp.");
		while (suffix && strstr(suffix + 1, ".tmp."))
			suffix = strstr(suffix + 1, ".tmp.");
		if (suffix)
			*suffix = 0;
		mtan_sql_building(building_final);
	}
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		if (!tmp) {
			sigaction(sigs[i], &saved[i], NULL);
			continue;
		}
		struct sigaction sa = {0};
		sigaction(sigs[i], NULL, &saved[i]);
		if (saved[i].sa_handler == SIG_IGN)
			continue;
		sa.sa_handler = on_signal;
		sigemptyset(&sa.sa_mask);
		sigaction(sigs[i], &sa, NULL);
	}
	if (!tmp) {
		building[0] = 0;
		mtan_sql_building(NULL);
	}
}

/* Where the cache of a trace goes when its directory is not writable: a per-user
 * directory under $TMPDIR, named after the trace's real path so it is found again. */
static char *fallback_path(const char *trace)
{
	const char *tmpdir = getenv("TMPDIR");
	char *real = realpath(trace, NULL);
	const char *key = real ? real : trace;
	uint64_t h = 1469598103934665603ull;
	for (const unsigned char *p = (const unsigned char *)key; *p; p++)
		h = (h ^ *p) * 1099511628211ull;
	const char *base = strrchr(trace, '/');
	base = base ? base + 1 : trace;
	char dir[PATH_MAX], *out = NULL;
	snprintf(dir, sizeof dir, "%s/mtan-%u", tmpdir && *tmpdir ? tmpdir : "/tmp", (unsigned)getuid());
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		goto done;
	if (asprintf(&out, "%s/%s-%016llx.db", dir, base, (unsigned long long)h) < 0)
		out = NULL;
done:
	free(real);
	return out;
}

/* Removes what loads that can no longer finish left beside tmp ("DB.tmp.PID", PID its
 * own): SIGKILL or a crash gives a load no chance to remove its temporary file. A file is
 * stale when its pid is not running here and nobody holds its lock (a load holds the lock
 * of its file throughout: that covers a load from another host sharing the directory). */
static void sweep(const char *tmp)
{
	const char *slash = strrchr(tmp, '/');
	const char *base = slash ? slash + 1 : tmp;
	const char *pid = strrchr(base, '.');
	char dir[PATH_MAX];
	if (!pid)
		return;
	size_t n = (size_t)(pid + 1 - base); /* "DB.tmp." */
	snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - tmp) + 1 : 1, slash ? tmp : ".");
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		char *end;
		if (strncmp(e->d_name, base, n))
			continue;
		long p = strtol(e->d_name + n, &end, 10);
		if (end == e->d_name + n || *end || p <= 0 || p == (long)getpid() ||
		    kill((pid_t)p, 0) == 0 || errno != ESRCH)
			continue;
		int fd = openat(dirfd(d), e->d_name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
		if (fd < 0)
			continue;
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			unlinkat(dirfd(d), e->d_name, 0);
		close(fd); /* the lock goes with it */
	}
	closedir(d);
}

/* Creates the temporary file beside dbpath and locks it for the load (see sweep): its fd,
 * to close when done; -1 with errno when the directory refuses. */
static int reserve(const char *tmp)
{
	unlink(tmp); /* a leftover of a killed load of the same pid */
	sweep(tmp);
	int fd = open(tmp, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	flock(fd, LOCK_EX | LOCK_NB); /* best effort: a file system without locks still loads */
	return fd;
}

/* Loads trace into dbpath by way of a temporary file. 0, or -1 reported. errno-style
 * refusal of the directory is returned as 1 (nothing reported) when quiet_dir. */
static int build(const char *trace, const char *dbpath, const struct mtan_symopts *sym,
		 struct mtan_load_stats *st, int quiet_dir)
{
	char *tmp = NULL;
	int ret = -1, lock;
	if (asprintf(&tmp, "%s.tmp.%d", dbpath, (int)getpid()) < 0) {
		mtan_err("out of memory");
		return -1;
	}
	if ((lock = reserve(tmp)) < 0) {
		int e = errno;
		if (quiet_dir && (e == EACCES || e == EPERM || e == EROFS)) {
			ret = 1;
			goto out;
		}
		mtan_err("cannot create '%s': %s", tmp, strerror(e));
		goto out;
	}
	guard(tmp);
	if (mtan_load_with(trace, tmp, sym, st)) {
		unlink(tmp);
		goto out;
	}
	if (rename(tmp, dbpath) < 0) {
		mtan_err("cannot rename '%s' to '%s': %s", tmp, dbpath, strerror(errno));
		unlink(tmp);
		goto out;
	}
	ret = 0;
out:
	guard(NULL);
	if (lock >= 0)
		close(lock);
	free(tmp);
	return ret;
}

static int same_text(const char *a, const char *b)
{
	return a && b ? !strcmp(a, b) : a == b;
}

/* Whether the database at path was symbolized where o says: --sysroot and --debug-dir,
 * when given, must be what its meta keeps (as a whole: one given alone means none of the
 * other); a command without them takes the database as it was loaded. */
static int same_symbols(const struct mtan_opts *o, const char *path)
{
	char *root = NULL, *dirs = NULL, *had_root = NULL, *had_dirs = NULL;
	sqlite3 *db = NULL;
	int same = 0;
	if (!o->sym.sysroot && !o->sym.ndebug_dirs)
		return 1;
	if (mtan_symopts_keys(&o->sym, &root, &dirs) ||
	    sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		goto out;
	had_root = mtan_meta_text(db, "sysroot");
	had_dirs = mtan_meta_text(db, "debug_dirs");
	same = same_text(root, had_root) && same_text(dirs, had_dirs);
out:
	sqlite3_close(db);
	free(root);
	free(dirs);
	free(had_root);
	free(had_dirs);
	return same;
}

/* Whether the database at path can serve (0: yes; 1: build it; -1: refused, reported). */
static int usable(const struct mtan_opts *o, const struct stat *tst, const char *path)
{
	int kind = classify(path, tst);
	if (kind == DB_FOREIGN || kind == DB_DAMAGED || kind == DB_NOTFILE) {
		mtan_err("'%s': exists and %s (remove it or choose another --db)", path,
			 kind == DB_FOREIGN ? "is not an mtan database" :
			 kind == DB_DAMAGED ? "is a damaged database" : "is not a regular file");
		return -1;
	}
	return kind == DB_OURS && !o->force && same_symbols(o, path) ? 0 : 1;
}

/* Builds or reuses the database of trace at *dbpath (which may move to $TMPDIR). */
static int cache(const struct mtan_opts *o, const struct stat *tst, char **dbpath,
		 struct mtan_load_stats *st)
{
	int rc = usable(o, tst, *dbpath);
	if (rc <= 0)
		return rc;
	if ((rc = build(o->input, *dbpath, &o->sym, st, !o->db)) <= 0)
		return rc;
	/* the trace's directory is not writable: keep the cache in $TMPDIR */
	char *alt = fallback_path(o->input);
	if (!alt) {
		mtan_err("cannot create a database for '%s': %s", o->input, strerror(errno));
		return -1;
	}
	free(*dbpath);
	*dbpath = alt;
	if ((rc = usable(o, tst, alt)) <= 0)
		return rc;
	if (!o->quiet)
		mtan_note("cannot write beside '%s'; its database is '%s'", o->input, alt);
	return build(o->input, alt, &o->sym, st, 0);
}

/* Serializes the loads of one trace: a command that finds the database missing or stale
 * while another builds it waits for that one and uses what it built, rather than loading
 * the trace again beside it. The lock is flock on the trace itself (advisory: mtrec
 * takes none), so no lock file is left behind. Returns the fd to close, or -1 where the
 * trace or the file system allows no lock (then each command builds its own: slower,
 * still correct, as the database only ever appears complete). */
static int lock_trace(const char *trace, int quiet)
{
	int fd = open(trace, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -1;
	if (flock(fd, LOCK_EX | LOCK_NB) == 0)
		return fd;
	if (errno == EWOULDBLOCK) {
		if (!quiet && isatty(STDERR_FILENO))
			mtan_note("waiting for another mtan loading '%s'", trace);
		int rc;
		while ((rc = flock(fd, LOCK_EX)) < 0 && errno == EINTR)
			;
		if (rc == 0)
			return fd;
	}
	close(fd);
	return -1;
}

/* Says why a database named on the command line cannot serve (kind from classify). */
static void refuse(const char *path, int kind)
{
	sqlite3 *db = NULL;
	long long v = -1;
	if (kind == DB_FOREIGN) {
		mtan_err("'%s': not an mtan database", path);
		return;
	}
	if (kind == DB_NOTFILE) {
		mtan_err("'%s': not a regular file", path);
		return;
	}
	if (kind == DB_DAMAGED) {
		mtan_err("'%s': damaged database (%s)", path, damage);
		return;
	}
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    (query_int(db, "user_version", NULL, &v) || v == MTAN_SCHEMA_VERSION))
		v = mtan_meta_int(db, "schema_version", MTAN_SCHEMA_VERSION);
	sqlite3_close(db);
	if (v != MTAN_SCHEMA_VERSION)
		mtan_err("'%s': database of schema version %lld; this mtan reads %d (load its trace again)",
			 path, v, MTAN_SCHEMA_VERSION);
	else
		mtan_err("'%s': unfinished load (load its trace again)", path);
}

/* The one warning a damaged or unfinished trace deserves, from the facts in meta. */
static void warn_recovery(sqlite3 *db, const char *name)
{
	char *err = mtan_meta_text(db, "load_error");
	long long events = mtan_meta_int(db, "loaded_events", 0);
	if (err) {
		mtan_warn("'%s': %s at offset %lld; loaded %lld events from the first %lld of %lld bytes",
			  name, err, mtan_meta_int(db, "error_offset", 0), events,
			  mtan_meta_int(db, "recovered_bytes", 0), mtan_meta_int(db, "file_bytes", 0));
	} else if (!mtan_meta_int(db, "complete", 1)) {
		mtan_warn("'%s': trace has no end record (the recorder was stopped before finishing); "
			  "loaded %lld events", name, events);
	}
	free(err);
}

int mtan_open(const struct mtan_opts *o, sqlite3 **out, struct mtan_load_stats *st, char **dbpath)
{
	struct mtan_load_stats local;
	struct stat tst;
	char *path = NULL;
	sqlite3 *db = NULL;
	int ret = -1, is_db;
	*out = NULL;
	if (!st)
		st = &local;
	memset(st, 0, sizeof(*st));
	st->seconds = -1;
	if (stat(o->input, &tst) < 0) {
		mtan_err("cannot open '%s': %s", o->input, strerror(errno));
		goto out;
	}
	if (S_ISDIR(tst.st_mode)) {
		mtan_err("cannot open '%s': %s", o->input, strerror(EISDIR));
		goto out;
	}
	/* only a regular file can be a database (a FIFO or a device is not read here) */
	if ((is_db = S_ISREG(tst.st_mode) ? mtan_is_sqlite(o->input) : 0) < 0) {
		mtan_err("cannot open '%s': %s", o->input, strerror(errno));
		goto out;
	}
	if (is_db) {
		if (!(path = strdup(o->input)))
			goto out;
		int kind = classify(path, NULL);
		if (kind != DB_OURS) {
			refuse(path, kind);
			goto out;
		}
		if ((o->sym.sysroot || o->sym.ndebug_dirs) && !o->quiet)
			mtan_note("'%s' is a database: --sysroot and --debug-dir apply when a trace is "
				  "loaded (give the trace)", path);
	} else {
		if (o->db)
			path = strdup(o->db);
		else if (asprintf(&path, "%s.db", o->input) < 0)
			path = NULL;
		if (!path) {
			mtan_err("out of memory");
			goto out;
		}
		/* refuse what is not a trace before touching any database */
		mtf_reader *r;
		int rc = mtf_reader_open(&r, o->input);
		mtf_reader_free(r);
		if (rc) {
			mtan_trace_error(o->input, rc, -1);
			goto out;
		}
		int lock = lock_trace(o->input, o->quiet);
		rc = cache(o, &tst, &path, st);
		if (lock >= 0)
			close(lock);
		if (rc)
			goto out;
	}
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		mtan_err("cannot open '%s': %s", path, db ? sqlite3_errmsg(db) : "out of memory");
		goto out;
	}
	/* the default 2 MiB cache makes the analyses of a big trace read its pages again and
	 * again and spill every sort to a temporary file: up to 256 MiB, taken as needed */
	sqlite3_exec(db, "PRAGMA cache_size=-262144", NULL, NULL, NULL);
	warn_recovery(db, o->input);
	if (mtan_check_scope(db, o) || mtan_suppress(db, o))
		goto out;
	*out = db;
	db = NULL;
	ret = 0;
out:
	sqlite3_close(db);
	if (!ret && dbpath)
		*dbpath = path;
	else
		free(path);
	return ret;
}
