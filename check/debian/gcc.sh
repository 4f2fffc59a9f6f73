# gcc and make: a multi-file C program with a shared library of its own,
# built with make -j2, then run.
set -u
mkdir -p /tmp/cc && cd /tmp/cc || exit 1
cat > vec.h <<'C'
double vsum(const double *v, int n);
int fib(int n);
C
cat > vec.c <<'C'
#include "vec.h"
double vsum(const double *v, int n) { double s = 0; for (int i = 0; i < n; i++) s += v[i]; return s; }
C
cat > fib.c <<'C'
#include "vec.h"
int fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
C
cat > util.c <<'C'
#include <stdio.h>
#include <string.h>
void shout(const char *s) { char b[64]; size_t i; for (i = 0; s[i] && i < 63; i++) b[i] = s[i] >= 'a' && s[i] <= 'z' ? s[i] - 32 : s[i]; b[i] = 0; printf("%s (%zu)\n", b, strlen(b)); }
C
cat > main.c <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <dlfcn.h>
#include <pthread.h>
#include "vec.h"
void shout(const char *s);
static void *thr(void *a) { return (void *)(long)fib((int)(long)a); }
int main(int argc, char **argv) {
	double v[100];
	for (int i = 0; i < 100; i++) v[i] = i * 0.5;
	printf("vsum %.2f fib(20) %d argc %d\n", vsum(v, 100), fib(20), argc);
	pthread_t t; void *r;
	pthread_create(&t, NULL, thr, (void *)25L); pthread_join(t, &r);
	printf("thread fib(25) %ld\n", (long)r);
	void *h = dlopen("libvec.so", RTLD_NOW);
	int (*f)(int) = h ? (int (*)(int))dlsym(h, "fib") : NULL;
	printf("dlopen %s fib(10) %d\n", h ? "ok" : dlerror(), f ? f(10) : -1);
	shout("made with make");
	return 0;
}
C
cat > Makefile <<'M'
CFLAGS = -O2 -Wall -fPIC
all: prog
libvec.so: vec.o fib.o
	$(CC) -shared -o $@ $^
prog: main.o util.o libvec.so
	$(CC) -o $@ main.o util.o -L. -lvec -Wl,-rpath,'$$ORIGIN' -ldl -lpthread
clean:
	rm -f *.o *.so prog
.PHONY: all clean
M
make -j2 -s && echo "make: ok"
./prog a b; echo "prog: $?"
ldd ./prog | awk '{print $1}' | sort | grep -v linux-vdso
make -s clean && ls | sort | tr '\n' ' '; echo
gcc -O2 -o one main.c util.c vec.c fib.c -ldl -lpthread && ./one | head -1
echo 'int main(void){return 41+1;}' | gcc -x c -o ret - && ./ret; echo "ret: $?"
gcc -E -dM -x c /dev/null | grep -c __x86_64__
