/*
 * files: prints the files named by its arguments, which APP_files_FILES
 * put in the image (check/apps/README.md), with their size, then writes
 * a file in /tmp and reads it back.  The same output in process and
 * linked mode.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int show(const char *path)
{
	char line[256];
	struct stat st;
	FILE *f;

	if (stat(path, &st) < 0) {
		perror(path);
		return 1;
	}
	printf("%s: %lld bytes, mode %o\n", path, (long long)st.st_size,
	       (unsigned int)(st.st_mode & 07777));
	f = fopen(path, "r");
	if (!f) {
		perror(path);
		return 1;
	}
	while (fgets(line, sizeof(line), f))
		printf("  %s", line);
	fclose(f);
	return 0;
}

int main(int argc, char **argv)
{
	static const char msg[] = "written at run time\n";
	int bad = 0, fd;

	for (int i = 1; i < argc; i++)
		bad |= show(argv[i]);
	fd = open("/tmp/new", O_WRONLY | O_CREAT | O_EXCL, 0640);
	if (fd < 0 || write(fd, msg, strlen(msg)) != (ssize_t)strlen(msg) ||
	    close(fd) < 0) {
		perror("/tmp/new");
		return 1;
	}
	bad |= show("/tmp/new");
	return bad;
}
