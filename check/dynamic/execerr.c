/*
 * execve() of programs whose PT_INTERP is unusable: print the errno of
 * each failed exec (the arguments name the programs).
 */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		char *args[] = { argv[i], NULL };
		char *env[] = { NULL };

		execve(argv[i], args, env);
		printf("%s: errno %d\n", argv[i], errno);
	}
	return 0;
}
