/*
 * powerloss_fs: a FUSE file system that forgets everything that was not made durable.
 *
 *   powerloss_fs BACKING MOUNTPOINT [FUSE OPTIONS]      (PowerLossFileSystem runs it with -f)
 *
 * It mirrors BACKING, which holds only the durable state, at MOUNTPOINT:
 *
 * - File data (write, truncate, fallocate) is held in memory per backing inode and overlaid on read and getattr.
 *   fsync or fdatasync of a file writes that file's pending data to its backing file and syncs it; nothing else does
 *   (close, flush, rename, syncfs: none of them). O_SYNC and O_DSYNC writes are durable because the kernel sends
 *   an fsync after each of them.
 * - Name operations (create, mkdir, symlink, unlink, rmdir, rename) are applied to BACKING at once and recorded in an
 *   undo journal until the directory they changed (a rename: its destination) is fsynced. Removed inodes wait in a
 *   hidden graveyard (GRAVE below, at the top of BACKING) until their removal is durable.
 * - The command "cut" drops every pending write, undoes every journal entry that is not durable, newest first, and
 *   makes every later operation fail with EIO: the mount then shows the power is off, and BACKING holds exactly
 *   what was durable. Mounting BACKING again shows that state. "cut names" keeps every name operation instead, as
 *   if the file system's journal had reached the disk and the data had not (files renamed into place, empty).
 * - The command "nosync on" makes fsync, fdatasync and directory fsync succeed and do nothing: a program with its
 *   syncs removed, for a test to show that it fails then.
 *
 * It is controlled over stdin and stdout, one command a line, one reply a line ("ok ..." or "error ..."); it prints
 * "ready" once mounted, and at end of stdin (the controlling JVM is gone) it unmounts lazily and exits. Nothing
 * else is written to stdout: fd 1 is pointed at stderr so that no library can write there. The module's README.md
 * is the full description; this file says how.
 *
 * One mutex serialises every operation and command: correctness over speed, and "cut" is atomic for free.
 */
#define FUSE_USE_VERSION 31
#define _GNU_SOURCE

#include <fuse3/fuse.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

/* The graveyard's name at the top of BACKING; the mount never shows it (lookups answer ENOENT). */
#define GRAVE ".powerloss-graveyard"
#define BUCKETS 4096
/* statfs's block size when a capacity is set. */
#define BLOCK 4096

enum op { OP_WRITE, OP_FSYNC, OP_CREATE, OP_RENAME, OP_UNLINK, OP_MKDIR, OP_READ, OP_OTHER, OP_ALL };
static const char *const OP_NAMES[] = {"write", "fsync", "create", "rename", "unlink", "mkdir", "read", "", "all"};

/* Pending bytes of one file at one offset. Extents of a file are sorted and never overlap. */
struct extent {
	off_t off;
	size_t len, cap;
	char *data;
};

/*
 * What the daemon knows of one backing inode: how many handles have it open, and its pending (not yet durable)
 * data. The pending state is min_trunc (the smallest size it was truncated to, -1 if none: backing bytes at or past
 * it are no longer the file's), the extents written since, and the logical size. Replaying that onto the backing
 * file (truncate to min_trunc, write the extents, truncate to size) gives the same bytes as replaying every call in
 * order, and keeps memory to one copy of each byte however often it is rewritten.
 */
struct pfile {
	struct pfile *next;
	ino_t ino;
	int refs;            /* open handles */
	int gone;            /* unlinked or overwritten: its bytes no longer count as used */
	int fd;              /* a read-write backing descriptor while writes > 0, else -1 */
	long writes;         /* pending write, truncate and fallocate calls */
	long long bytes;     /* bytes those writes carried */
	long long held;      /* bytes held in extents */
	off_t min_trunc;
	off_t size;
	struct timespec mtime;
	struct extent *ext;
	size_t n_ext, cap_ext;
};

/*
 * A directory that journal entries name, held open (O_PATH) so that an undo finds it even after it was renamed.
 * Entries share one handle per live directory, so the descriptors in use grow with the directories, not the entries.
 */
struct dirh {
	struct dirh *next;
	ino_t ino;
	int fd;
	int refs;
};

enum jtype { J_CREATE, J_MKDIR, J_UNLINK, J_RMDIR, J_RENAME };

/* One name operation that is not durable yet. */
struct jentry {
	enum jtype type;
	struct dirh *dir;    /* the directory of name: created or removed there; a rename's source */
	char *name;
	struct dirh *dir2;   /* a rename's destination */
	char *name2;
	ino_t ino;           /* the inode created, removed or renamed */
	char grave[24];      /* where the removed inode waits (a rename: the overwritten target), or "" */
	ino_t grave_ino;
	ino_t durable_dir;   /* the directory whose fsync makes this durable */
};

struct fault {
	enum op op;
	int err;
	char *prefix;        /* relative to the mount's root, no leading or trailing '/'; "" is everything */
};

/* The daemon's state: one process, one file system. */
static struct {
	pthread_mutex_t lock;
	int root, grave;
	char mountpoint[PATH_MAX];
	FILE *out;
	int dead;
	int nosync;          /* "nosync on": syncs succeed and make nothing durable */
	unsigned long long grave_seq;
	struct pfile *files[BUCKETS];
	struct dirh *dirs[BUCKETS];
	long pending_writes, pending_files;
	long long pending_bytes, held_bytes;
	struct jentry **journal;
	size_t n_journal, cap_journal;
	unsigned long long operations;
	struct fault *faults;
	size_t n_faults;
	long long capacity;  /* -1: the backing file system's own */
	long long used;      /* logical bytes of the files the mount shows */
} S = {.lock = PTHREAD_MUTEX_INITIALIZER, .capacity = -1};

static void say(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("powerloss_fs: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* ---------------------------------------------------------------------------------------------------------------- */
/* Paths                                                                                                            */

/* A FUSE path ("/a/b") relative to BACKING ("a/b"; "." for the root). */
static const char *rel(const char *path)
{
	if (!path)
		return NULL;
	while (*path == '/')
		path++;
	return *path ? path : ".";
}

static int hidden(const char *path)
{
	size_t n = strlen(GRAVE);
	const char *r = rel(path);
	return r && strncmp(r, GRAVE, n) == 0 && (r[n] == '\0' || r[n] == '/');
}

/* Releases a directory handle. */
static void dir_put(struct dirh *d)
{
	struct dirh **p;
	if (!d || --d->refs > 0)
		return;
	for (p = &S.dirs[d->ino % BUCKETS]; *p; p = &(*p)->next)
		if (*p == d) {
			*p = d->next;
			break;
		}
	close(d->fd);
	free(d);
}

/*
 * A handle on the parent of relative path r; *base is r's last component. A removed directory (no links left) is
 * never shared: its inode number may come back for a new one.
 */
static struct dirh *open_parent(const char *r, const char **base, int *err)
{
	const char *slash = strrchr(r, '/');
	struct stat st, other;
	struct dirh *d;
	int fd;

	if (!slash) {
		*base = r;
		fd = openat(S.root, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	} else {
		char *dir = strndup(r, (size_t)(slash - r));
		if (!dir) {
			*err = -ENOMEM;
			return NULL;
		}
		fd = openat(S.root, dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
		free(dir);
		*base = slash + 1;
	}
	if (fd < 0 || fstat(fd, &st) < 0) {
		*err = -errno;
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	for (d = S.dirs[st.st_ino % BUCKETS]; d; d = d->next)
		if (d->ino == st.st_ino && fstat(d->fd, &other) == 0 && other.st_nlink > 0) {
			close(fd);
			d->refs++;
			return d;
		}
	if (!(d = calloc(1, sizeof *d))) {
		close(fd);
		*err = -ENOMEM;
		return NULL;
	}
	d->ino = st.st_ino;
	d->fd = fd;
	d->refs = 1;
	d->next = S.dirs[st.st_ino % BUCKETS];
	S.dirs[st.st_ino % BUCKETS] = d;
	return d;
}

/* Removes name under directory at: a directory with everything in it or anything else. */
static void remove_tree(int at, const char *name)
{
	struct stat st;
	struct dirent *d;
	DIR *dir;
	int fd;

	if (fstatat(at, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return;
	if (!S_ISDIR(st.st_mode)) {
		if (unlinkat(at, name, 0) < 0)
			say("cannot remove %s: %s", name, strerror(errno));
		return;
	}
	fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0 && (dir = fdopendir(fd))) {
		while ((d = readdir(dir)))
			if (strcmp(d->d_name, ".") && strcmp(d->d_name, ".."))
				remove_tree(dirfd(dir), d->d_name);
		closedir(dir);
	} else if (fd >= 0) {
		close(fd);
	}
	if (unlinkat(at, name, AT_REMOVEDIR) < 0)
		say("cannot remove directory %s: %s", name, strerror(errno));
}

static int dir_empty(int at, const char *name)
{
	struct dirent *d;
	DIR *dir;
	int fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC), empty = 1;

	if (fd < 0)
		return -errno;
	if (!(dir = fdopendir(fd))) {
		close(fd);
		return -errno;
	}
	while (empty && (d = readdir(dir)))
		empty = !strcmp(d->d_name, ".") || !strcmp(d->d_name, "..");
	closedir(dir);
	return empty;
}

/* ---------------------------------------------------------------------------------------------------------------- */
/* Pending data                                                                                                     */

static struct pfile *pfile_find(ino_t ino)
{
	struct pfile *pf;
	for (pf = S.files[ino % BUCKETS]; pf; pf = pf->next)
		if (pf->ino == ino)
			return pf;
	return NULL;
}

static struct pfile *pfile_get(ino_t ino)
{
	struct pfile *pf = pfile_find(ino);
	if (pf)
		return pf;
	if (!(pf = calloc(1, sizeof *pf)))
		return NULL;
	pf->ino = ino;
	pf->fd = -1;
	pf->min_trunc = -1;
	pf->next = S.files[ino % BUCKETS];
	S.files[ino % BUCKETS] = pf;
	return pf;
}

/* Forgets pf's pending data: after it was written (fsync) or when it is lost (cut, an inode nobody can reach). */
static void pfile_forget(struct pfile *pf)
{
	size_t i;
	if (!pf->writes)
		return;
	for (i = 0; i < pf->n_ext; i++)
		free(pf->ext[i].data);
	free(pf->ext);
	pf->ext = NULL;
	pf->n_ext = pf->cap_ext = 0;
	S.pending_writes -= pf->writes;
	S.pending_bytes -= pf->bytes;
	S.held_bytes -= pf->held;
	S.pending_files--;
	pf->writes = pf->bytes = pf->held = 0;
	pf->min_trunc = -1;
	if (pf->fd >= 0)
		close(pf->fd);
	pf->fd = -1;
}

/* Frees pf once nothing has it open and nothing of it is pending. */
static void pfile_put(struct pfile *pf)
{
	struct pfile **p;
	if (pf->refs > 0 || pf->writes > 0)
		return;
	for (p = &S.files[pf->ino % BUCKETS]; *p; p = &(*p)->next)
		if (*p == pf) {
			*p = pf->next;
			break;
		}
	free(pf);
}

/*
 * Makes pf ready to take pending data: a read-write descriptor of its own (so that an fsync through a read-only
 * handle, or after every handle is closed, can still write it) and the logical size. fd is an open handle's
 * descriptor, or -1 to open the relative path r.
 */
static int pfile_begin(struct pfile *pf, int fd, const char *r)
{
	struct stat st;
	int wfd;

	if (pf->writes)
		return 0;
	if (fd < 0) {
		wfd = openat(S.root, r, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	} else if ((fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDWR) {
		wfd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	} else {
		char proc[64];
		snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
		wfd = open(proc, O_RDWR | O_CLOEXEC);
	}
	if (wfd < 0)
		return -errno;
	if (fstat(wfd, &st) < 0) {
		int e = -errno;
		close(wfd);
		return e;
	}
	pf->fd = wfd;
	pf->size = st.st_size;
	pf->min_trunc = -1;
	clock_gettime(CLOCK_REALTIME, &pf->mtime);
	return 0;
}

/* Counts one pending call on pf (after pfile_begin and the change itself). */
static void pfile_count(struct pfile *pf, long long bytes)
{
	if (!pf->writes)
		S.pending_files++;
	pf->writes++;
	pf->bytes += bytes;
	S.pending_writes++;
	S.pending_bytes += bytes;
	clock_gettime(CLOCK_REALTIME, &pf->mtime);
}

/* Undoes a pfile_begin that no change followed. */
static void pfile_abandon(struct pfile *pf)
{
	if (!pf->writes && pf->fd >= 0) {
		close(pf->fd);
		pf->fd = -1;
	}
}

static off_t logical_size(const struct stat *st)
{
	struct pfile *pf;
	if (!S_ISREG(st->st_mode))
		return 0;
	pf = pfile_find(st->st_ino);
	return pf && pf->writes ? pf->size : st->st_size;
}

/* Index of the first extent that ends after off. */
static size_t ext_find(const struct pfile *pf, off_t off)
{
	size_t lo = 0, hi = pf->n_ext;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (pf->ext[mid].off + (off_t)pf->ext[mid].len <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int ext_reserve(struct pfile *pf, size_t more)
{
	size_t cap = pf->cap_ext ? pf->cap_ext : 8;
	struct extent *e;
	if (pf->n_ext + more <= pf->cap_ext)
		return 0;
	while (cap < pf->n_ext + more)
		cap *= 2;
	if (!(e = realloc(pf->ext, cap * sizeof *e)))
		return -ENOMEM;
	pf->ext = e;
	pf->cap_ext = cap;
	return 0;
}

static void held(struct pfile *pf, long long delta)
{
	pf->held += delta;
	S.held_bytes += delta;
}

/* Records n bytes at off over pf's pending data. */
static int ext_write(struct pfile *pf, const char *buf, size_t n, off_t off)
{
	off_t end = off + (off_t)n;
	size_t i = ext_find(pf, off), j, k, replace, old;
	struct extent *e = i < pf->n_ext ? &pf->ext[i] : NULL;
	struct extent left = {0}, mid = {0}, right = {0};
	int has_left = 0, has_right = 0;

	if (n == 0)
		return 0;
	/* Inside one extent: overwrite in place. */
	if (e && e->off <= off && e->off + (off_t)e->len >= end) {
		memcpy(e->data + (off - e->off), buf, n);
		return 0;
	}
	/* Right after an extent, before the next: grow it. A log or a file written front to back stays one extent. */
	if (i > 0 && (!e || e->off >= end) && pf->ext[i - 1].off + (off_t)pf->ext[i - 1].len == off) {
		struct extent *p = &pf->ext[i - 1];
		if (p->len + n > p->cap) {
			size_t cap = p->cap * 2 > p->len + n ? p->cap * 2 : p->len + n;
			char *d = realloc(p->data, cap);
			if (!d)
				return -ENOMEM;
			p->data = d;
			p->cap = cap;
		}
		memcpy(p->data + p->len, buf, n);
		p->len += n;
		held(pf, (long long)n);
		return 0;
	}
	/* Otherwise the extents [i, j) overlap [off, end): a new extent replaces them, keeping what sticks out. */
	for (j = i; j < pf->n_ext && pf->ext[j].off < end; j++)
		;
	if (!(mid.data = malloc(n)))
		return -ENOMEM;
	memcpy(mid.data, buf, n);
	mid.off = off;
	mid.len = mid.cap = n;
	if (j > i) {
		struct extent *first = &pf->ext[i], *last = &pf->ext[j - 1];
		if (last->off + (off_t)last->len > end) {
			right.off = end;
			right.len = right.cap = (size_t)(last->off + (off_t)last->len - end);
			if (!(right.data = malloc(right.len))) {
				free(mid.data);
				return -ENOMEM;
			}
			memcpy(right.data, last->data + (end - last->off), right.len);
			has_right = 1;
		}
		if (first->off < off) {
			left = *first; /* keeps first's buffer, shortened */
			left.len = (size_t)(off - first->off);
			has_left = 1;
		}
	}
	replace = (size_t)(has_left + 1 + has_right);
	old = j - i;
	if (replace > old && ext_reserve(pf, replace - old) < 0) {
		free(mid.data);
		free(right.data);
		return -ENOMEM;
	}
	for (k = i; k < j; k++) {
		held(pf, -(long long)pf->ext[k].len);
		if (!(has_left && k == i))
			free(pf->ext[k].data);
	}
	memmove(&pf->ext[i + replace], &pf->ext[j], (pf->n_ext - j) * sizeof *pf->ext);
	pf->n_ext = pf->n_ext - old + replace;
	k = i;
	if (has_left)
		pf->ext[k++] = left;
	pf->ext[k++] = mid;
	if (has_right)
		pf->ext[k++] = right;
	held(pf, (long long)(left.len + mid.len + right.len));
	return 0;
}

/* Truncates pf's pending data to size. */
static void ext_truncate(struct pfile *pf, off_t size)
{
	size_t i = ext_find(pf, size), k;
	if (i < pf->n_ext && pf->ext[i].off < size) {
		size_t keep = (size_t)(size - pf->ext[i].off);
		held(pf, -(long long)(pf->ext[i].len - keep));
		pf->ext[i].len = keep;
		i++;
	}
	for (k = i; k < pf->n_ext; k++) {
		held(pf, -(long long)pf->ext[k].len);
		free(pf->ext[k].data);
	}
	pf->n_ext = i;
	if (pf->min_trunc < 0 || size < pf->min_trunc)
		pf->min_trunc = size;
	pf->size = size;
}

static ssize_t pread_full(int fd, char *buf, size_t n, off_t off)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = pread(fd, buf + got, n - got, off + (off_t)got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

static int pwrite_full(int fd, const char *buf, size_t n, off_t off)
{
	size_t done = 0;
	while (done < n) {
		ssize_t r = pwrite(fd, buf + done, n - done, off + (off_t)done);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		done += (size_t)r;
	}
	return 0;
}

/* Reads what the program sees: the backing bytes that still count, zeros past them, the extents over both. */
static ssize_t overlay_read(int fd, struct pfile *pf, char *buf, size_t n, off_t off)
{
	struct stat st;
	off_t base;
	size_t want = 0, i;
	ssize_t got;

	if (off >= pf->size)
		return 0;
	if ((off_t)n > pf->size - off)
		n = (size_t)(pf->size - off);
	if (fstat(fd, &st) < 0)
		return -errno;
	base = st.st_size;
	if (pf->min_trunc >= 0 && pf->min_trunc < base)
		base = pf->min_trunc;
	if (off < base)
		want = (off_t)n < base - off ? n : (size_t)(base - off);
	if ((got = pread_full(fd, buf, want, off)) < 0)
		return got;
	memset(buf + got, 0, n - (size_t)got);
	for (i = ext_find(pf, off); i < pf->n_ext && pf->ext[i].off < off + (off_t)n; i++) {
		const struct extent *e = &pf->ext[i];
		off_t from = e->off > off ? e->off : off;
		off_t to = e->off + (off_t)e->len < off + (off_t)n ? e->off + (off_t)e->len : off + (off_t)n;
		memcpy(buf + (from - off), e->data + (from - e->off), (size_t)(to - from));
	}
	return (ssize_t)n;
}

/* Writes pf's pending data to its backing file (not yet synced). Idempotent, so a failed attempt can be retried. */
static int pfile_apply(struct pfile *pf)
{
	struct timespec times[2] = {{0, UTIME_OMIT}, pf->mtime};
	struct stat st;
	size_t i;
	int r;

	if (pf->min_trunc >= 0 && ftruncate(pf->fd, pf->min_trunc) < 0)
		return -errno;
	for (i = 0; i < pf->n_ext; i++)
		if ((r = pwrite_full(pf->fd, pf->ext[i].data, pf->ext[i].len, pf->ext[i].off)) < 0)
			return r;
	if (fstat(pf->fd, &st) < 0)
		return -errno;
	if (st.st_size != pf->size && ftruncate(pf->fd, pf->size) < 0)
		return -errno;
	futimens(pf->fd, times);
	return 0;
}

/* Makes pf's pending data durable: apply, sync, forget. */
static int pfile_sync(struct pfile *pf, int datasync)
{
	int r = pfile_apply(pf);
	if (r < 0)
		return r;
	if ((datasync ? fdatasync(pf->fd) : fsync(pf->fd)) < 0)
		return -errno;
	pfile_forget(pf);
	return 0;
}

/* ---------------------------------------------------------------------------------------------------------------- */
/* Capacity                                                                                                         */

static int room_for(const struct pfile *pf, off_t growth)
{
	if (S.capacity < 0 || growth <= 0 || pf->gone)
		return 0;
	return S.used + growth > S.capacity ? -ENOSPC : 0;
}

static void account(const struct pfile *pf, off_t delta)
{
	if (!pf->gone)
		S.used += delta;
}

/* An inode leaves the mount's view (unlink, or overwritten by rename): its bytes are free. */
static void account_gone(const struct stat *st)
{
	struct pfile *pf;
	if (!S_ISREG(st->st_mode))
		return;
	pf = pfile_find(st->st_ino);
	if (pf && pf->gone)
		return;
	S.used -= logical_size(st);
	if (pf)
		pf->gone = 1;
}

static long long tree_size(int at, int top)
{
	long long total = 0;
	struct dirent *d;
	struct stat st;
	DIR *dir;
	int fd = openat(at, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 || !(dir = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	while ((d = readdir(dir))) {
		if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, "..") || (top && !strcmp(d->d_name, GRAVE)))
			continue;
		if (fstatat(dirfd(dir), d->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISREG(st.st_mode)) {
			total += logical_size(&st);
		} else if (S_ISDIR(st.st_mode)) {
			int sub = openat(dirfd(dir), d->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub >= 0) {
				total += tree_size(sub, 0);
				close(sub);
			}
		}
	}
	closedir(dir);
	return total;
}

/* ---------------------------------------------------------------------------------------------------------------- */
/* The undo journal                                                                                                 */

static struct jentry *jentry_new(enum jtype type)
{
	struct jentry *j = calloc(1, sizeof *j);
	if (j)
		j->type = type;
	return j;
}

static void jentry_free(struct jentry *j)
{
	dir_put(j->dir);
	dir_put(j->dir2);
	free(j->name);
	free(j->name2);
	free(j);
}

/* Makes room for one more entry, so that an operation can be journaled once it has happened. */
static int journal_reserve(void)
{
	if (S.n_journal == S.cap_journal) {
		size_t cap = S.cap_journal ? S.cap_journal * 2 : 64;
		struct jentry **p = realloc(S.journal, cap * sizeof *p);
		if (!p)
			return -ENOMEM;
		S.journal = p;
		S.cap_journal = cap;
	}
	return 0;
}

/* Appends j; after journal_reserve. */
static void journal_add(struct jentry *j)
{
	S.journal[S.n_journal++] = j;
}

/* Moves the inode at/name into the graveyard, under a fresh name written to grave. */
static int bury(int at, const char *name, char grave[24])
{
	snprintf(grave, 24, "%llu", ++S.grave_seq);
	return renameat(at, name, S.grave, grave) < 0 ? -errno : 0;
}

/* A removal became durable: the inode in the graveyard goes for good. */
static void exhume(const char *grave, ino_t ino)
{
	struct pfile *pf = pfile_find(ino);
	remove_tree(S.grave, grave);
	if (pf && pf->refs == 0) {
		pfile_forget(pf);
		pfile_put(pf);
	}
}

/* fsync of directory dir: every entry it makes durable leaves the journal. */
static void journal_durable(ino_t dir)
{
	size_t i, k = 0;
	for (i = 0; i < S.n_journal; i++) {
		struct jentry *j = S.journal[i];
		if (j->durable_dir != dir) {
			S.journal[k++] = j;
			continue;
		}
		if (j->grave[0])
			exhume(j->grave, j->grave_ino);
		jentry_free(j);
	}
	S.n_journal = k;
}

static int is(int at, const char *name, ino_t ino)
{
	struct stat st;
	return fstatat(at, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && st.st_ino == ino;
}

static int absent(int at, const char *name)
{
	struct stat st;
	return fstatat(at, name, &st, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT;
}

/*
 * Undoes j if it still applies; 1 if it did. An undo that no longer applies is skipped: the name was since moved
 * or replaced by an operation that is durable (it was, so the crash keeps it), or its directory is gone.
 */
static int undo(const struct jentry *j)
{
	int done = 0;
	switch (j->type) {
	case J_CREATE:
	case J_MKDIR:
		return is(j->dir->fd, j->name, j->ino) &&
		       unlinkat(j->dir->fd, j->name, j->type == J_MKDIR ? AT_REMOVEDIR : 0) == 0;
	case J_UNLINK:
	case J_RMDIR:
		return absent(j->dir->fd, j->name) && is(S.grave, j->grave, j->grave_ino) &&
		       renameat(S.grave, j->grave, j->dir->fd, j->name) == 0;
	case J_RENAME:
		if (is(j->dir2->fd, j->name2, j->ino) && absent(j->dir->fd, j->name) &&
		    renameat(j->dir2->fd, j->name2, j->dir->fd, j->name) == 0)
			done = 1;
		if (j->grave[0] && absent(j->dir2->fd, j->name2) && is(S.grave, j->grave, j->grave_ino) &&
		    renameat(S.grave, j->grave, j->dir2->fd, j->name2) == 0)
			done = 1;
		return done;
	}
	return 0;
}

static void empty_graveyard(void)
{
	struct dirent *d;
	int fd = openat(S.grave, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
	if (!dir) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((d = readdir(dir)))
		if (strcmp(d->d_name, ".") && strcmp(d->d_name, ".."))
			remove_tree(S.grave, d->d_name);
	closedir(dir);
}

/* ---------------------------------------------------------------------------------------------------------------- */
/* Faults                                                                                                           */

static int under(const char *prefix, const char *path)
{
	size_t n = strlen(prefix);
	const char *r;
	if (n == 0)
		return 1;
	if (!path)
		return 0; /* an open file that was unlinked has no path any more */
	r = rel(path);
	return strncmp(r, prefix, n) == 0 && (r[n] == '\0' || r[n] == '/');
}

static int fault(enum op op, const char *p1, const char *p2)
{
	size_t i;
	for (i = 0; i < S.n_faults; i++) {
		const struct fault *f = &S.faults[i];
		if ((f->op == op || f->op == OP_ALL) && (under(f->prefix, p1) || (p2 && under(f->prefix, p2))))
			return -f->err;
	}
	return 0;
}

/* Every operation starts here: takes the lock, counts, and refuses after a cut, on a fault, or the graveyard. */
static int enter(enum op op, const char *p1, const char *p2)
{
	int r;
	pthread_mutex_lock(&S.lock);
	S.operations++;
	if (S.dead)
		r = -EIO;
	else if (hidden(p1) || hidden(p2))
		r = -ENOENT;
	else
		r = fault(op, p1, p2);
	if (r)
		pthread_mutex_unlock(&S.lock);
	return r;
}

static int leave(int r)
{
	pthread_mutex_unlock(&S.lock);
	return r;
}

/* ---------------------------------------------------------------------------------------------------------------- */
/* File system operations                                                                                           */

static void overlay_stat(struct stat *st)
{
	struct pfile *pf;
	if (!S_ISREG(st->st_mode) || !(pf = pfile_find(st->st_ino)) || !pf->writes)
		return;
	st->st_size = pf->size;
	st->st_blocks = (pf->size + 511) / 512;
	st->st_mtim = st->st_ctim = pf->mtime;
}

static int pl_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	int r = enter(OP_OTHER, path, NULL);
	if (r)
		return r;
	if (fi)
		r = fstat((int)fi->fh, st) < 0 ? -errno : 0;
	else
		r = fstatat(S.root, rel(path), st, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
	if (!r)
		overlay_stat(st);
	return leave(r);
}

static int pl_access(const char *path, int mask)
{
	int r = enter(OP_OTHER, path, NULL);
	if (r)
		return r;
	return leave(faccessat(S.root, rel(path), mask, 0) < 0 ? -errno : 0);
}

static int pl_readlink(const char *path, char *buf, size_t size)
{
	ssize_t n;
	int r = enter(OP_OTHER, path, NULL);
	if (r)
		return r;
	n = readlinkat(S.root, rel(path), buf, size - 1);
	if (n < 0)
		return leave(-errno);
	buf[n] = '\0';
	return leave(0);
}

static int pl_opendir(const char *path, struct fuse_file_info *fi)
{
	int fd, r = enter(OP_OTHER, path, NULL);
	if (r)
		return r;
	fd = openat(S.root, rel(path), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return leave(-errno);
	fi->fh = (uint64_t)fd;
	return leave(0);
}

static int pl_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t off, struct fuse_file_info *fi,
		      enum fuse_readdir_flags flags)
{
	struct dirent *d;
	DIR *dir;
	int fd, top = !strcmp(rel(path), "."), r = enter(OP_OTHER, path, NULL);
	(void)off;
	(void)flags;
	if (r)
		return r;
	/* A fresh stream each time, so a rewinddir in the program (a second readdir from 0) sees the present. */
	if ((fd = openat((int)fi->fh, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return leave(-errno);
	if (!(dir = fdopendir(fd))) {
		r = -errno;
		close(fd);
		return leave(r);
	}
	while ((d = readdir(dir))) {
		struct stat st = {0};
		if (top && !strcmp(d->d_name, GRAVE))
			continue;
		st.st_ino = d->d_ino;
		st.st_mode = DTTOIF(d->d_type);
		if (fill(buf, d->d_name, &st, 0, 0))
			break;
	}
	closedir(dir);
	return leave(0);
}

static int pl_releasedir(const char *path, struct fuse_file_info *fi)
{
	(void)path;
	pthread_mutex_lock(&S.lock);
	S.operations++;
	close((int)fi->fh);
	return leave(0);
}

static int pl_fsyncdir(const char *path, int datasync, struct fuse_file_info *fi)
{
	struct stat st;
	int fd = (int)fi->fh, r = enter(OP_FSYNC, path, NULL);
	(void)datasync;
	if (r)
		return r;
	if (S.nosync)
		return leave(0);
	if (fstat(fd, &st) < 0 || fsync(fd) < 0)
		return leave(-errno);
	journal_durable(st.st_ino);
	return leave(0);
}

/* Backing open flags: the access mode widened to read-write where allowed, and what the daemon handles dropped. */
static int backing_flags(int flags)
{
	return (flags & ~(O_ACCMODE | O_TRUNC | O_APPEND | O_DIRECT | O_CREAT | O_EXCL | O_NOCTTY)) | O_RDWR |
	       O_CLOEXEC;
}

/* Opens a handle on an existing file: read-write when allowed (fsync writes through it), else as asked. */
static int open_existing(const char *path, struct fuse_file_info *fi)
{
	struct stat st;
	struct pfile *pf;
	int fd = openat(S.root, rel(path), backing_flags(fi->flags));

	if (fd < 0 && (errno == EACCES || errno == EPERM || errno == EROFS || errno == EISDIR || errno == ETXTBSY))
		fd = openat(S.root, rel(path),
			    (backing_flags(fi->flags) & ~O_ACCMODE) | (fi->flags & O_ACCMODE));
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		fi->fh = (uint64_t)fd;
		return 0;
	}
	if (!(pf = pfile_get(st.st_ino))) {
		close(fd);
		return -ENOMEM;
	}
	pf->refs++;
	if ((fi->flags & O_TRUNC) && (fi->flags & O_ACCMODE) != O_RDONLY) {
		off_t old = logical_size(&st);
		int r = pfile_begin(pf, fd, NULL);
		if (r < 0) {
			pf->refs--;
			pfile_put(pf);
			close(fd);
			return r;
		}
		ext_truncate(pf, 0);
		pfile_count(pf, 0);
		account(pf, -old);
	}
	fi->fh = (uint64_t)fd;
	return 0;
}

static int pl_open(const char *path, struct fuse_file_info *fi)
{
	int r = enter((fi->flags & O_TRUNC) ? OP_WRITE : OP_OTHER, path, NULL);
	if (r)
		return r;
	return leave(open_existing(path, fi));
}

/* Gives what the daemon created to the caller, as a local file system would (the daemon runs as root). */
static void own(int at, const char *name)
{
	const struct fuse_context *c = fuse_get_context();
	if (geteuid() == 0 && c && (c->uid != 0 || c->gid != 0))
		fchownat(at, name, c->uid, c->gid, AT_SYMLINK_NOFOLLOW);
}

/* Journals the creation of the inode now at relative path r. */
static int journal_created(enum jtype type, const char *r)
{
	struct jentry *j = jentry_new(type);
	const char *base;
	struct stat st;
	int err = 0;

	if (!j || journal_reserve() < 0) {
		free(j);
		return -ENOMEM;
	}
	if (!(j->dir = open_parent(r, &base, &err))) {
		jentry_free(j);
		return err;
	}
	j->durable_dir = j->dir->ino;
	if (fstatat(j->dir->fd, base, &st, AT_SYMLINK_NOFOLLOW) < 0 || !(j->name = strdup(base))) {
		jentry_free(j);
		return -EIO;
	}
	j->ino = st.st_ino;
	journal_add(j);
	own(j->dir->fd, base);
	return 0;
}

static int pl_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	struct stat st;
	struct pfile *pf;
	int fd, r = enter(OP_CREATE, path, NULL);
	if (r)
		return r;
	fd = openat(S.root, rel(path), backing_flags(fi->flags) | O_CREAT | O_EXCL, mode);
	if (fd < 0 && errno == EEXIST && !(fi->flags & O_EXCL))
		return leave(open_existing(path, fi)); /* it exists after all: an open, not a creation */
	if (fd < 0)
		return leave(-errno);
	if ((r = journal_created(J_CREATE, rel(path))) < 0 || fstat(fd, &st) < 0 || !(pf = pfile_get(st.st_ino))) {
		unlinkat(S.root, rel(path), 0);
		close(fd);
		return leave(r < 0 ? r : -ENOMEM);
	}
	pf->refs++;
	fi->fh = (uint64_t)fd;
	return leave(0);
}

static int pl_mkdir(const char *path, mode_t mode)
{
	int r = enter(OP_MKDIR, path, NULL);
	if (r)
		return r;
	if (mkdirat(S.root, rel(path), mode) < 0)
		return leave(-errno);
	if ((r = journal_created(J_MKDIR, rel(path))) < 0)
		unlinkat(S.root, rel(path), AT_REMOVEDIR);
	return leave(r);
}

static int pl_symlink(const char *target, const char *path)
{
	int r = enter(OP_CREATE, path, NULL);
	if (r)
		return r;
	if (symlinkat(target, S.root, rel(path)) < 0)
		return leave(-errno);
	if ((r = journal_created(J_CREATE, rel(path))) < 0)
		unlinkat(S.root, rel(path), 0);
	return leave(r);
}

/* Hard links would make one inode's durability depend on several names; programs fall back to copying. */
static int pl_link(const char *from, const char *to)
{
	int r = enter(OP_CREATE, from, to);
	if (r)
		return r;
	return leave(-EOPNOTSUPP);
}

/* unlink and rmdir: move the inode to the graveyard, journal it. */
static int remove_name(const char *path, int dir)
{
	struct jentry *j;
	const char *base;
	struct stat st;
	int r = 0;

	if (fstatat(S.root, rel(path), &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (dir && !S_ISDIR(st.st_mode))
		return -ENOTDIR;
	if (!dir && S_ISDIR(st.st_mode))
		return -EISDIR;
	if (dir && (r = dir_empty(S.root, rel(path))) <= 0)
		return r < 0 ? r : -ENOTEMPTY;
	if (!(j = jentry_new(dir ? J_RMDIR : J_UNLINK)) || journal_reserve() < 0) {
		free(j);
		return -ENOMEM;
	}
	if (!(j->dir = open_parent(rel(path), &base, &r))) {
		jentry_free(j);
		return r;
	}
	j->durable_dir = j->dir->ino;
	j->ino = j->grave_ino = st.st_ino;
	if (!(j->name = strdup(base))) {
		jentry_free(j);
		return -ENOMEM;
	}
	if ((r = bury(j->dir->fd, base, j->grave)) < 0) {
		jentry_free(j);
		return r;
	}
	journal_add(j);
	account_gone(&st);
	return 0;
}

static int pl_unlink(const char *path)
{
	int r = enter(OP_UNLINK, path, NULL);
	if (r)
		return r;
	return leave(remove_name(path, 0));
}

static int pl_rmdir(const char *path)
{
	int r = enter(OP_UNLINK, path, NULL);
	if (r)
		return r;
	return leave(remove_name(path, 1));
}

static int do_rename(const char *from, const char *to, unsigned int flags)
{
	const char *fbase, *tbase;
	struct stat sst, tst;
	struct jentry *j;
	int target, r = 0;

	if (flags & ~RENAME_NOREPLACE)
		return -EINVAL; /* RENAME_EXCHANGE and RENAME_WHITEOUT */
	if (fstatat(S.root, rel(from), &sst, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	target = fstatat(S.root, rel(to), &tst, AT_SYMLINK_NOFOLLOW) == 0;
	if (!target && errno != ENOENT)
		return -errno;
	if (target) {
		if (flags & RENAME_NOREPLACE)
			return -EEXIST;
		if (tst.st_ino == sst.st_ino)
			return 0; /* the same file: rename does nothing */
		if (S_ISDIR(sst.st_mode) && !S_ISDIR(tst.st_mode))
			return -ENOTDIR;
		if (!S_ISDIR(sst.st_mode) && S_ISDIR(tst.st_mode))
			return -EISDIR;
		if (S_ISDIR(tst.st_mode) && (r = dir_empty(S.root, rel(to))) <= 0)
			return r < 0 ? r : -ENOTEMPTY;
	}
	if (!(j = jentry_new(J_RENAME)) || journal_reserve() < 0) {
		free(j);
		return -ENOMEM;
	}
	j->ino = sst.st_ino;
	if (!(j->dir = open_parent(rel(from), &fbase, &r)) || !(j->dir2 = open_parent(rel(to), &tbase, &r)))
		goto fail;
	j->durable_dir = j->dir2->ino;
	r = -ENOMEM;
	if (!(j->name = strdup(fbase)) || !(j->name2 = strdup(tbase)))
		goto fail;
	if (target) {
		if ((r = bury(j->dir2->fd, tbase, j->grave)) < 0)
			goto fail;
		j->grave_ino = tst.st_ino;
	}
	if (renameat(j->dir->fd, fbase, j->dir2->fd, tbase) < 0) {
		r = -errno;
		if (target && renameat(S.grave, j->grave, j->dir2->fd, tbase) < 0)
			say("cannot put back %s after a failed rename: %s", rel(to), strerror(errno));
		goto fail;
	}
	journal_add(j);
	if (target)
		account_gone(&tst);
	return 0;
fail:
	jentry_free(j);
	return r;
}

static int pl_rename(const char *from, const char *to, unsigned int flags)
{
	int r = enter(OP_RENAME, from, to);
	if (r)
		return r;
	return leave(do_rename(from, to, flags));
}

static int pl_chmod(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	int r = enter(OP_OTHER, path, NULL);
	if (r)
		return r;
	if (fi)
		r = fchmod((int)fi->fh, mode);
	else
		r = fchmodat(S.root, rel(path), mode, 0);
	return leave(r < 0 ? -errno : 0);
}

static int pl_chown(const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi)
{
	int r = enter(OP_OTHER, path, NULL);
	if (r)
		return r;
	if (fi)
		r = fchown((int)fi->fh, uid, gid);
	else
		r = fchownat(S.root, rel(path), uid, gid, AT_SYMLINK_NOFOLLOW);
	return leave(r < 0 ? -errno : 0);
}

static int pl_utimens(const char *path, const struct timespec tv[2], struct fuse_file_info *fi)
{
	struct pfile *pf;
	struct stat st;
	int r = enter(OP_OTHER, path, NULL);
	if (r)
		return r;
	if (fi)
		r = futimens((int)fi->fh, tv) < 0 || fstat((int)fi->fh, &st) < 0;
	else
		r = utimensat(S.root, rel(path), tv, AT_SYMLINK_NOFOLLOW) < 0 ||
		    fstatat(S.root, rel(path), &st, AT_SYMLINK_NOFOLLOW) < 0;
	if (r)
		return leave(-errno);
	/* While data is pending, the overlaid mtime is what the program sees and what fsync writes. */
	if ((pf = pfile_find(st.st_ino)) && pf->writes) {
		if (tv[1].tv_nsec == UTIME_NOW)
			clock_gettime(CLOCK_REALTIME, &pf->mtime);
		else if (tv[1].tv_nsec != UTIME_OMIT)
			pf->mtime = tv[1];
	}
	return leave(0);
}

/* truncate and fallocate: the file's logical size becomes size. fd is an open handle or -1 (then the path). */
static int resize(const char *path, int fd, off_t size)
{
	struct pfile *pf;
	struct stat st;
	off_t old;
	int r;

	if ((fd >= 0 ? fstat(fd, &st) : fstatat(S.root, rel(path), &st, AT_SYMLINK_NOFOLLOW)) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	if (!(pf = pfile_get(st.st_ino)))
		return -ENOMEM;
	old = logical_size(&st);
	if ((r = room_for(pf, size - old)) < 0 || (r = pfile_begin(pf, fd, rel(path))) < 0) {
		pfile_put(pf);
		return r;
	}
	ext_truncate(pf, size);
	pfile_count(pf, 0);
	account(pf, size - old);
	return 0;
}

static int pl_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	int r = enter(OP_WRITE, path, NULL);
	if (r)
		return r;
	if (size < 0)
		return leave(-EINVAL);
	return leave(resize(path, fi ? (int)fi->fh : -1, size));
}

/*
 * Mode 0 grows the file to off + len like a truncate (the bytes read as zeros); FALLOC_FL_KEEP_SIZE, a reservation
 * (RocksDB preallocates with it), changes nothing a program can see and is accepted as is. Punching holes and the
 * other modes are not supported; RocksDB and the JDK do without them.
 */
/*
 * A punched hole reads as zeros: it is held like a write of zeros over the part of the range inside the file, and
 * made durable by an fsync like any write. The blocks it frees are not modelled (capacity counts logical sizes).
 */
static int punch(const char *path, int fd, off_t off, off_t len)
{
	struct pfile *pf;
	struct stat st;
	off_t size, end;
	char *zeros;
	int r;
	(void)path;
	if (fstat(fd, &st) < 0)
		return -errno;
	size = logical_size(&st);
	end = off + len < size ? off + len : size;
	if (off >= end)
		return 0;
	if (!(pf = pfile_get(st.st_ino)))
		return -ENOMEM;
	if ((r = pfile_begin(pf, fd, NULL)) < 0)
		return r;
	if (!(zeros = calloc(1, (size_t)(end - off)))) {
		pfile_abandon(pf);
		return -ENOMEM;
	}
	r = ext_write(pf, zeros, (size_t)(end - off), off);
	free(zeros);
	if (r < 0) {
		pfile_abandon(pf);
		return r;
	}
	pfile_count(pf, (long long)(end - off));
	return 0;
}

static int pl_fallocate(const char *path, int mode, off_t off, off_t len, struct fuse_file_info *fi)
{
	struct stat st;
	int r = enter(OP_WRITE, path, NULL);
	if (r)
		return r;
	if (off < 0 || len <= 0)
		return leave(-EINVAL);
	if (mode == FALLOC_FL_KEEP_SIZE)
		return leave(0);
	if (mode == (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE))
		return leave(punch(path, (int)fi->fh, off, len));
	if (mode != 0)
		return leave(-EOPNOTSUPP);
	if (fstat((int)fi->fh, &st) < 0)
		return leave(-errno);
	if (off + len <= logical_size(&st))
		return leave(0);
	return leave(resize(path, (int)fi->fh, off + len));
}

static int pl_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
	struct pfile *pf;
	struct stat st;
	ssize_t n;
	int fd = (int)fi->fh, r = enter(OP_READ, path, NULL);
	if (r)
		return r;
	if (fstat(fd, &st) < 0)
		return leave(-errno);
	if ((pf = pfile_find(st.st_ino)) && pf->writes)
		n = overlay_read(fd, pf, buf, size, off);
	else
		n = pread_full(fd, buf, size, off);
	return leave((int)n);
}

static int pl_write(const char *path, const char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
	struct pfile *pf;
	struct stat st;
	off_t old, end = off + (off_t)size;
	int fd = (int)fi->fh, r = enter(OP_WRITE, path, NULL);
	if (r)
		return r;
	if (fstat(fd, &st) < 0)
		return leave(-errno);
	if (!(pf = pfile_get(st.st_ino)))
		return leave(-ENOMEM);
	old = logical_size(&st);
	if ((r = room_for(pf, end - old)) < 0 || (r = pfile_begin(pf, fd, NULL)) < 0)
		return leave(r);
	if ((r = ext_write(pf, buf, size, off)) < 0) {
		pfile_abandon(pf);
		return leave(r);
	}
	if (end > old)
		pf->size = end;
	pfile_count(pf, (long long)size);
	account(pf, end > old ? end - old : 0);
	return leave((int)size);
}

static int pl_statfs(const char *path, struct statvfs *sv)
{
	int r = enter(OP_OTHER, path, NULL);
	if (r)
		return r;
	if (fstatvfs(S.root, sv) < 0)
		return leave(-errno);
	if (S.capacity >= 0) {
		long long free_bytes = S.capacity - S.used > 0 ? S.capacity - S.used : 0;
		sv->f_bsize = sv->f_frsize = BLOCK;
		sv->f_blocks = (fsblkcnt_t)(S.capacity / BLOCK);
		sv->f_bfree = sv->f_bavail = (fsblkcnt_t)(free_bytes / BLOCK);
	}
	return leave(0);
}

/* close(2) reaches flush: nothing becomes durable. */
static int pl_flush(const char *path, struct fuse_file_info *fi)
{
	int r = enter(OP_OTHER, path, NULL);
	(void)fi;
	return r ? r : leave(0);
}

static int pl_release(const char *path, struct fuse_file_info *fi)
{
	struct pfile *pf;
	struct stat st;
	int fd = (int)fi->fh;
	(void)path;
	pthread_mutex_lock(&S.lock);
	S.operations++;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (pf = pfile_find(st.st_ino))) {
		pf->refs--;
		/* Nobody can reach an inode without names or handles, nor ever sync it. */
		if (pf->refs == 0 && st.st_nlink == 0)
			pfile_forget(pf);
		pfile_put(pf);
	}
	close(fd);
	return leave(0);
}

static int pl_fsync(const char *path, int datasync, struct fuse_file_info *fi)
{
	struct pfile *pf;
	struct stat st;
	int fd = (int)fi->fh, r = enter(OP_FSYNC, path, NULL);
	if (r)
		return r;
	if (S.nosync)
		return leave(0);
	if (fstat(fd, &st) < 0)
		return leave(-errno);
	if ((pf = pfile_find(st.st_ino)) && pf->writes)
		r = pfile_sync(pf, datasync);
	else
		r = (datasync ? fdatasync(fd) : fsync(fd)) < 0 ? -errno : 0;
	return leave(r);
}

/* ---------------------------------------------------------------------------------------------------------------- */
/* Control                                                                                                          */

static const struct {
	const char *name;
	int value;
} ERRNOS[] = {
	{"EIO", EIO}, {"ENOSPC", ENOSPC}, {"EROFS", EROFS}, {"EDQUOT", EDQUOT}, {"EACCES", EACCES},
	{"EPERM", EPERM}, {"ENOMEM", ENOMEM}, {"EFBIG", EFBIG}, {"EAGAIN", EAGAIN}, {"EBUSY", EBUSY},
	{"EINVAL", EINVAL}, {"ENXIO", ENXIO}, {"ETIMEDOUT", ETIMEDOUT}, {"ENOTCONN", ENOTCONN},
};

static int parse_errno(const char *s)
{
	size_t i;
	char *end;
	long v;
	for (i = 0; i < sizeof ERRNOS / sizeof *ERRNOS; i++)
		if (!strcasecmp(s, ERRNOS[i].name))
			return ERRNOS[i].value;
	v = strtol(s, &end, 10);
	return *s && !*end && v > 0 && v < 4096 ? (int)v : -1;
}

static void cmd_stats(char *reply, size_t n)
{
	snprintf(reply, n,
		 "ok pending_writes=%ld pending_bytes=%lld pending_files=%ld held_bytes=%lld journal=%zu "
		 "operations=%llu faults=%zu capacity=%lld used=%lld cut=%s",
		 S.pending_writes, S.pending_bytes, S.pending_files, S.held_bytes, S.n_journal, S.operations,
		 S.n_faults, S.capacity, S.used, S.dead ? "true" : "false");
}

/* The power cut. keep_names: every name operation stays (the journal reached the disk, the data did not). */
static void cmd_cut(int keep_names, char *reply, size_t n)
{
	long writes = S.pending_writes, files = S.pending_files, undone = 0, skipped = 0;
	long long bytes = S.pending_bytes;
	size_t b, i;

	if (S.dead) {
		snprintf(reply, n, "error the power is already cut");
		return;
	}
	S.dead = 1;
	for (b = 0; b < BUCKETS; b++) {
		struct pfile *pf = S.files[b], *next;
		for (; pf; pf = next) {
			next = pf->next;
			pfile_forget(pf);
			pfile_put(pf);
		}
	}
	for (i = S.n_journal; i-- > 0;) {
		if (keep_names)
			skipped++;
		else if (undo(S.journal[i]))
			undone++;
		else
			skipped++;
		jentry_free(S.journal[i]);
	}
	S.n_journal = 0;
	empty_graveyard();
	snprintf(reply, n, "ok cut dropped_writes=%ld dropped_bytes=%lld dropped_files=%ld undone=%ld skipped=%ld",
		 writes, bytes, files, undone, skipped);
}

/* Everything durable now, as a clean unmount would leave it. */
static void cmd_sync(char *reply, size_t n)
{
	long files = 0, entries = (long)S.n_journal;
	size_t b, i;
	int r;

	if (S.dead) {
		snprintf(reply, n, "error the power is cut");
		return;
	}
	for (b = 0; b < BUCKETS; b++)
		for (struct pfile *pf = S.files[b], *next; pf; pf = next) {
			next = pf->next;
			if (!pf->writes)
				continue;
			if ((r = pfile_sync(pf, 0)) < 0) {
				snprintf(reply, n, "error sync: %s", strerror(-r));
				return;
			}
			files++;
			pfile_put(pf);
		}
	for (i = 0; i < S.n_journal; i++) {
		if (S.journal[i]->grave[0])
			exhume(S.journal[i]->grave, S.journal[i]->grave_ino);
		jentry_free(S.journal[i]);
	}
	S.n_journal = 0;
	snprintf(reply, n, "ok sync files=%ld journal=%ld", files, entries);
}

static void cmd_fail(char *args, char *reply, size_t n)
{
	char *save = NULL, *op = strtok_r(args, " \t", &save);
	char *err = op ? strtok_r(NULL, " \t", &save) : NULL, *prefix = err ? strtok_r(NULL, "", &save) : NULL;
	struct fault *f;
	size_t len;
	int o, e;

	for (o = 0; op && o <= OP_ALL; o++)
		if (o != OP_OTHER && !strcmp(op, OP_NAMES[o]))
			break;
	if (!op || o > OP_ALL) {
		snprintf(reply, n, "error usage: fail write|fsync|create|rename|unlink|mkdir|read|all ERRNO [PREFIX]");
		return;
	}
	if (!err || (e = parse_errno(err)) < 0) {
		snprintf(reply, n, "error not an errno: %s", err ? err : "(none)");
		return;
	}
	while (prefix && (*prefix == ' ' || *prefix == '\t' || *prefix == '/'))
		prefix++;
	len = prefix ? strlen(prefix) : 0;
	while (len > 0 && (prefix[len - 1] == '/' || prefix[len - 1] == ' '))
		len--;
	if (!(f = realloc(S.faults, (S.n_faults + 1) * sizeof *f))) {
		snprintf(reply, n, "error out of memory");
		return;
	}
	S.faults = f;
	if (!(f[S.n_faults].prefix = strndup(prefix ? prefix : "", len))) {
		snprintf(reply, n, "error out of memory");
		return;
	}
	f[S.n_faults].op = (enum op)o;
	f[S.n_faults].err = e;
	S.n_faults++;
	snprintf(reply, n, "ok fail %s errno=%d prefix=/%s", OP_NAMES[o], e, f[S.n_faults - 1].prefix);
}

static void cmd_clear(char *reply, size_t n)
{
	size_t i;
	for (i = 0; i < S.n_faults; i++)
		free(S.faults[i].prefix);
	free(S.faults);
	S.faults = NULL;
	S.n_faults = 0;
	S.capacity = -1;
	snprintf(reply, n, "ok clear");
}

static void cmd_capacity(char *arg, char *reply, size_t n)
{
	char *end;
	long long v;
	if (arg && !strcmp(arg, "off")) {
		S.capacity = -1;
		snprintf(reply, n, "ok capacity off");
		return;
	}
	v = arg ? strtoll(arg, &end, 10) : -1;
	if (!arg || !*arg || *end || v < 0) {
		snprintf(reply, n, "error usage: capacity BYTES|off");
		return;
	}
	S.used = tree_size(S.root, 1); /* recount from the backing tree and the pending sizes */
	S.capacity = v;
	snprintf(reply, n, "ok capacity=%lld used=%lld", S.capacity, S.used);
}

static void command(char *line, char *reply, size_t n)
{
	char *save = NULL, *cmd = strtok_r(line, " \t", &save), *rest = cmd ? strtok_r(NULL, "", &save) : NULL;
	while (rest && (*rest == ' ' || *rest == '\t'))
		rest++;
	if (!cmd)
		snprintf(reply, n, "error empty command");
	else if (!strcmp(cmd, "stats"))
		cmd_stats(reply, n);
	else if (!strcmp(cmd, "cut") && (!rest || !*rest))
		cmd_cut(0, reply, n);
	else if (!strcmp(cmd, "cut") && !strcmp(rest, "names"))
		cmd_cut(1, reply, n);
	else if (!strcmp(cmd, "cut"))
		snprintf(reply, n, "error usage: cut [names]");
	else if (!strcmp(cmd, "nosync") && rest && (!strcmp(rest, "on") || !strcmp(rest, "off"))) {
		S.nosync = !strcmp(rest, "on");
		snprintf(reply, n, "ok nosync %s", rest);
	} else if (!strcmp(cmd, "nosync"))
		snprintf(reply, n, "error usage: nosync on|off");
	else if (!strcmp(cmd, "sync"))
		cmd_sync(reply, n);
	else if (!strcmp(cmd, "fail"))
		cmd_fail(rest ? rest : (char[]){""}, reply, n);
	else if (!strcmp(cmd, "clear"))
		cmd_clear(reply, n);
	else if (!strcmp(cmd, "capacity"))
		cmd_capacity(rest, reply, n);
	else
		snprintf(reply, n, "error unknown command: %s", cmd);
}

/* The controller is gone (or asked us to go): leave no mount behind. Nothing is undone: a crash without a cut. */
static void quit(void)
{
	pthread_mutex_lock(&S.lock);
	if (umount2(S.mountpoint, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
		say("cannot unmount %s: %s (auto_unmount will)", S.mountpoint, strerror(errno));
	_exit(0);
}

static void *control(void *arg)
{
	char *line = NULL, reply[512];
	size_t cap = 0;
	ssize_t len;
	(void)arg;
	while ((len = getline(&line, &cap, stdin)) >= 0) {
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		pthread_mutex_lock(&S.lock);
		command(line, reply, sizeof reply);
		pthread_mutex_unlock(&S.lock);
		if (fprintf(S.out, "%s\n", reply) < 0 || fflush(S.out) != 0)
			break;
	}
	quit();
	return NULL;
}

static void *pl_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	pthread_t thread;
	cfg->use_ino = 1;
	cfg->hard_remove = 1;
	cfg->nullpath_ok = 0;
	/* No cached names or attributes: every lookup and stat reaches the daemon, so faults and the cut apply at once. */
	cfg->entry_timeout = 0;
	cfg->attr_timeout = 0;
	cfg->negative_timeout = 0;
	/* The kernel must send every write at once: with a writeback cache it would hold them where a cut misses them. */
	conn->want &= ~FUSE_CAP_WRITEBACK_CACHE;
	fputs("ready\n", S.out);
	fflush(S.out);
	if (pthread_create(&thread, NULL, control, NULL) != 0) {
		say("cannot start the control thread");
		quit();
	}
	pthread_detach(thread);
	return NULL;
}

static const struct fuse_operations OPS = {
	.getattr = pl_getattr,
	.readlink = pl_readlink,
	.mkdir = pl_mkdir,
	.unlink = pl_unlink,
	.rmdir = pl_rmdir,
	.symlink = pl_symlink,
	.rename = pl_rename,
	.link = pl_link,
	.chmod = pl_chmod,
	.chown = pl_chown,
	.truncate = pl_truncate,
	.open = pl_open,
	.read = pl_read,
	.write = pl_write,
	.statfs = pl_statfs,
	.flush = pl_flush,
	.release = pl_release,
	.fsync = pl_fsync,
	.opendir = pl_opendir,
	.readdir = pl_readdir,
	.releasedir = pl_releasedir,
	.fsyncdir = pl_fsyncdir,
	.init = pl_init,
	.access = pl_access,
	.create = pl_create,
	.utimens = pl_utimens,
	.fallocate = pl_fallocate,
};

int main(int argc, char *argv[])
{
	struct rlimit files;
	int reply_fd, i;

	if (argc < 3) {
		fprintf(stderr, "usage: %s BACKING MOUNTPOINT [FUSE OPTIONS]\n", argv[0]);
		return 2;
	}
	/* Replies go to the original stdout; fd 1 becomes stderr, so nothing else can reach the controller. */
	if ((reply_fd = dup(1)) < 0 || dup2(2, 1) < 0 || !(S.out = fdopen(reply_fd, "w"))) {
		perror("powerloss_fs: stdout");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	/* Journal entries hold directory handles, pending files a descriptor each, until they are durable. */
	if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
		files.rlim_cur = files.rlim_max;
		setrlimit(RLIMIT_NOFILE, &files);
	}
	if ((S.root = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		say("backing directory %s: %s", argv[1], strerror(errno));
		return 1;
	}
	if (!realpath(argv[2], S.mountpoint)) {
		say("mount point %s: %s", argv[2], strerror(errno));
		return 1;
	}
	if (mkdirat(S.root, GRAVE, 0700) < 0 && errno != EEXIST) {
		say("graveyard: %s", strerror(errno));
		return 1;
	}
	if ((S.grave = openat(S.root, GRAVE, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		say("graveyard: %s", strerror(errno));
		return 1;
	}
	/* What a previous daemon left there was removed by operations nobody undid: they stay removed. */
	empty_graveyard();
	S.used = tree_size(S.root, 1);
	/* fuse_main sees: the program, the mount point, the options. */
	for (i = 1; i < argc - 1; i++)
		argv[i] = argv[i + 1];
	return fuse_main(argc - 1, argv, &OPS, NULL);
}
