/* The program behind bad-NAME: never runs, its interpreter is unusable. */
#include <stdio.h>

int main(void)
{
	printf("hello\n");
	return 0;
}
