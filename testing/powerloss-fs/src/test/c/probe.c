/*
 * probe: one system call the JDK cannot make, for the tests. Prints "ok [RESULT]" or "errno NAME", exits 0 for
 * either (the test reads the line), 2 for a usage error.
 *
 *   probe syncfs PATH                 syncfs(2) on the file system of PATH
 *   probe sync                        sync(2)
 *   probe noreplace FROM TO           renameat2(RENAME_NOREPLACE)
 *   probe exchange FROM TO            renameat2(RENAME_EXCHANGE)
 *   probe seek PATH                   lseek SEEK_END, SEEK_DATA and SEEK_HOLE from 0: "ok END DATA HOLE"
 *   probe fallocate PATH MODE OFF LEN fallocate(2), MODE 0, keep (FALLOC_FL_KEEP_SIZE) or punch
 *   probe fcntl-lock PATH             fcntl F_SETLK write lock on the whole file, not waiting
 *   probe flock-twice PATH            flock LOCK_EX on two descriptors of PATH: the second must not get it
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

static int answer(int r)
{
	if (r < 0)
		printf("errno %s\n", strerrorname_np(errno));
	else
		printf("ok\n");
	return 0;
}

int main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "";
	int fd, fd2;

	if (!strcmp(what, "syncfs") && argc == 3) {
		if ((fd = open(argv[2], O_RDONLY)) < 0)
			return answer(-1);
		return answer(syncfs(fd));
	}
	if (!strcmp(what, "sync") && argc == 2) {
		sync();
		return answer(0);
	}
	if (!strcmp(what, "noreplace") && argc == 4)
		return answer(renameat2(AT_FDCWD, argv[2], AT_FDCWD, argv[3], RENAME_NOREPLACE));
	if (!strcmp(what, "exchange") && argc == 4)
		return answer(renameat2(AT_FDCWD, argv[2], AT_FDCWD, argv[3], RENAME_EXCHANGE));
	if (!strcmp(what, "seek") && argc == 3) {
		off_t end, data, hole;
		if ((fd = open(argv[2], O_RDONLY)) < 0 || (end = lseek(fd, 0, SEEK_END)) < 0 ||
		    (data = lseek(fd, 0, SEEK_DATA)) < 0 || (hole = lseek(fd, 0, SEEK_HOLE)) < 0)
			return answer(-1);
		printf("ok %lld %lld %lld\n", (long long)end, (long long)data, (long long)hole);
		return 0;
	}
	if (!strcmp(what, "fallocate") && argc == 6) {
		int mode = !strcmp(argv[3], "keep")	 ? FALLOC_FL_KEEP_SIZE
			   : !strcmp(argv[3], "punch") ? FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE
						       : 0;
		if ((fd = open(argv[2], O_RDWR)) < 0)
			return answer(-1);
		return answer(fallocate(fd, mode, atoll(argv[4]), atoll(argv[5])));
	}
	if (!strcmp(what, "fcntl-lock") && argc == 3) {
		struct flock lock = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
		if ((fd = open(argv[2], O_RDWR)) < 0)
			return answer(-1);
		return answer(fcntl(fd, F_SETLK, &lock));
	}
	if (!strcmp(what, "flock-twice") && argc == 3) {
		if ((fd = open(argv[2], O_RDWR)) < 0 || (fd2 = open(argv[2], O_RDWR)) < 0 || flock(fd, LOCK_EX | LOCK_NB) < 0)
			return answer(-1);
		return answer(flock(fd2, LOCK_EX | LOCK_NB));
	}
	fprintf(stderr, "usage: see the comment at the top of probe.c\n");
	return 2;
}
