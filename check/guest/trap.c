/*
 * Die of a CPU exception chosen by argv[1]; the kernel must turn each
 * into the signal Linux sends (the exit status says which).  Prints the
 * case name first.  Not self-checking: run it and look at the status.
 *
 *   ud2 int3 div0 null nx kernel noncanon hlt sse-div0 jmp-noncanon
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static volatile int zero;

int main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "ud2";
	static uint8_t data[16] = { 0xc3 }; /* ret, in a non-executable page */

	printf("trap: %s\n", what);
	fflush(stdout);
	if (!strcmp(what, "ud2")) {
		__asm__ __volatile__("ud2");
	} else if (!strcmp(what, "int3")) {
		__asm__ __volatile__("int3");
	} else if (!strcmp(what, "div0")) {
		__asm__ __volatile__("divl %0" : : "r"(zero), "a"(1), "d"(0));
	} else if (!strcmp(what, "null")) {
		*(volatile int *)0 = 1;
	} else if (!strcmp(what, "nx")) {
		((void (*)(void))data)();
	} else if (!strcmp(what, "kernel")) {
		printf("%d\n", *(volatile int *)0xffffffff80200000UL);
	} else if (!strcmp(what, "noncanon")) {
		printf("%d\n", *(volatile int *)0x8000000000000000UL);
	} else if (!strcmp(what, "jmp-noncanon")) {
		((void (*)(void))0x800000000000UL)();
	} else if (!strcmp(what, "hlt")) {
		__asm__ __volatile__("hlt");
	} else if (!strcmp(what, "sse-div0")) {
		uint32_t mxcsr = 0x1f80 & ~0x200; /* unmask divide-by-zero */
		volatile double a = 1.0, b = 0.0;

		__asm__ __volatile__("ldmxcsr %0" : : "m"(mxcsr));
		printf("%f\n", a / b);
	}
	printf("trap: %s survived\n", what);
	return 0;
}
