/* Reading files from the initramfs through stdio and raw calls. */
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <unistd.h>

#include "guest.h"

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "/etc/motd";
	char buf[8192];
	struct stat st;
	ssize_t n;

	int fd = open(path, O_RDONLY);
	CHECK(fd >= 0);
	CHECK(fstat(fd, &st) == 0);
	CHECK(S_ISREG(st.st_mode));
	n = read(fd, buf, sizeof(buf) - 1);
	CHECK(n == st.st_size);
	buf[n > 0 ? n : 0] = 0;
	CHECK(read(fd, buf, 10) == 0);
	CHECK(lseek(fd, 0, SEEK_SET) == 0);
	char a[4], b[4];
	struct iovec iov[2] = { { a, 4 }, { b, 4 } };
	CHECK(readv(fd, iov, 2) == 8);
	CHECK(pread(fd, buf, 4, 4) == 4 && !memcmp(buf, b, 4));
	CHECK(lseek(fd, 0, SEEK_CUR) == 8);
	CHECK(close(fd) == 0);
	CHECK_ERR(close(fd), EBADF);

	FILE *f = fopen(path, "r");
	CHECK(f != NULL);
	if (f) {
		int lines = 0;
		while (fgets(buf, sizeof(buf), f))
			lines++;
		CHECK(lines >= 1);
		fclose(f);
	}

	/* The root directory lists etc, bin and dev. */
	DIR *d = opendir("/");
	int seen = 0;
	CHECK(d != NULL);
	for (struct dirent *e; d && (e = readdir(d));) {
		seen |= !strcmp(e->d_name, "etc") ? 1 : 0;
		seen |= !strcmp(e->d_name, "dev") ? 2 : 0;
		seen |= !strcmp(e->d_name, ".") ? 4 : 0;
	}
	if (d)
		closedir(d);
	CHECK(seen == 7);

	CHECK(stat("/dev/null", &st) == 0 && S_ISCHR(st.st_mode) &&
	      st.st_rdev == makedev(1, 3));
	CHECK(stat("/dev/zero", &st) == 0 && st.st_rdev == makedev(1, 5));
	CHECK(stat("/dev/urandom", &st) == 0 && st.st_rdev == makedev(1, 9));
	CHECK_ERR(open("/nonexistent", O_RDONLY), ENOENT);
	CHECK_ERR(open("/etc/motd/x", O_RDONLY), ENOTDIR);
	CHECK_ERR(open("/etc", O_WRONLY), EISDIR);
	char cwd[64];
	CHECK(chdir("/etc") == 0);
	CHECK(getcwd(cwd, sizeof(cwd)) && !strcmp(cwd, "/etc"));
	CHECK(access("motd", R_OK) == 0);
	return guest_done("files");
}
