/* The first program: write to stdout through stdio and raw write(2). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
	const char *raw = "hello from write(2)\n";

	printf("hello, world\n");
	fflush(stdout);
	if (write(1, raw, strlen(raw)) != (ssize_t)strlen(raw))
		return 1;
	return 0;
}
