/*
 * Futexes shared between processes on MAP_SHARED memory: a lock built
 * directly on futex(2) (0 free, 1 taken, 2 taken with waiters) used by 4
 * processes for 4 x 20000 increments; process-shared pthread mutex and
 * condition variable playing ping-pong; a process-shared semaphore; a
 * robust mutex whose owner dies (EOWNERDEAD, pthread_mutex_consistent);
 * the same futex word reached through two mappings of one file.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <stdlib.h>
#include <unistd.h>

#include "guest.h"

#define FUTEX_WAIT 0
#define FUTEX_WAKE 1

static long futex(volatile int *w, int op, int val)
{
	return syscall(SYS_futex, w, op, val, NULL, NULL, 0);
}

/* fork, or end the program: the parent's waits need the child. */
static pid_t child(void)
{
	pid_t p = fork();

	if (p < 0) {
		printf("fork: errno %d, giving up\n", errno);
		exit(guest_done("shmfutex") | 1);
	}
	return p;
}

static void lock(volatile int *l)
{
	int c = 0;

	if (__atomic_compare_exchange_n(l, &c, 1, 0, __ATOMIC_ACQUIRE,
					__ATOMIC_RELAXED))
		return;
	if (c != 2)
		c = __atomic_exchange_n(l, 2, __ATOMIC_ACQUIRE);
	while (c != 0) {
		futex(l, FUTEX_WAIT, 2);
		c = __atomic_exchange_n(l, 2, __ATOMIC_ACQUIRE);
	}
}

static void unlock(volatile int *l)
{
	if (__atomic_exchange_n(l, 0, __ATOMIC_RELEASE) == 2)
		futex(l, FUTEX_WAKE, 1);
}

struct shm {
	volatile int lock;
	volatile long counter;
	pthread_mutex_t m, robust;
	pthread_cond_t cv;
	volatile int turn, rounds;
	sem_t items, slots;
	volatile int ring[4], in, out;
};

static void raw_lock(struct shm *s)
{
	pid_t kids[4];
	int st, ok = 1;

	for (int k = 0; k < 4; k++) {
		kids[k] = child();
		if (kids[k] == 0) {
			for (int i = 0; i < 20000; i++) {
				lock(&s->lock);
				s->counter++;
				unlock(&s->lock);
			}
			_exit(0);
		}
	}
	for (int k = 0; k < 4; k++)
		ok &= waitpid(kids[k], &st, 0) == kids[k] && st == 0;
	CHECK(ok);
	CHECK(s->counter == 80000);
	printf("futex lock across 4 processes: counter %ld\n", s->counter);
}

static void pingpong(struct shm *s)
{
	pthread_mutexattr_t ma;
	pthread_condattr_t ca;
	pid_t p;
	int st;

	pthread_mutexattr_init(&ma);
	pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
	pthread_mutex_init(&s->m, &ma);
	pthread_condattr_init(&ca);
	pthread_condattr_setpshared(&ca, PTHREAD_PROCESS_SHARED);
	pthread_cond_init(&s->cv, &ca);
	s->turn = 0;
	s->rounds = 0;
	p = child();
	if (p == 0) {
		for (int i = 0; i < 500; i++) {
			pthread_mutex_lock(&s->m);
			while (s->turn != 1)
				pthread_cond_wait(&s->cv, &s->m);
			s->turn = 0;
			s->rounds++;
			pthread_cond_broadcast(&s->cv);
			pthread_mutex_unlock(&s->m);
		}
		_exit(0);
	}
	for (int i = 0; i < 500; i++) {
		pthread_mutex_lock(&s->m);
		while (s->turn != 0)
			pthread_cond_wait(&s->cv, &s->m);
		s->turn = 1;
		pthread_cond_broadcast(&s->cv);
		pthread_mutex_unlock(&s->m);
	}
	CHECK(waitpid(p, &st, 0) == p && st == 0);
	CHECK(s->rounds == 500);
	printf("process-shared mutex and condvar: %d rounds of ping-pong\n",
	       s->rounds);
}

static void semaphores(struct shm *s)
{
	long sum = 0;
	pid_t p;
	int st;

	CHECK(sem_init(&s->items, 1, 0) == 0);
	CHECK(sem_init(&s->slots, 1, 4) == 0);
	s->in = s->out = 0;
	p = child();
	if (p == 0) {
		for (int i = 1; i <= 2000; i++) {
			sem_wait(&s->slots);
			s->ring[s->in++ % 4] = i;
			sem_post(&s->items);
		}
		_exit(0);
	}
	for (int i = 0; i < 2000; i++) {
		sem_wait(&s->items);
		sum += s->ring[s->out++ % 4];
		sem_post(&s->slots);
	}
	CHECK(waitpid(p, &st, 0) == p && st == 0);
	CHECK(sum == 2000L * 2001 / 2);
	printf("process-shared semaphores: 2000 items through 4 slots\n");
}

static void robust(struct shm *s)
{
	pthread_mutexattr_t ma;
	pid_t p;
	int st, r;

	pthread_mutexattr_init(&ma);
	pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
	pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST);
	pthread_mutex_init(&s->robust, &ma);
	p = child();
	if (p == 0) {
		pthread_mutex_lock(&s->robust);
		_exit(0); /* dies holding it */
	}
	waitpid(p, &st, 0);
	r = pthread_mutex_lock(&s->robust);
	CHECK(r == EOWNERDEAD);
	printf("robust mutex after its owner died: %s\n",
	       r == EOWNERDEAD ? "EOWNERDEAD" : "other");
	CHECK(pthread_mutex_consistent(&s->robust) == 0);
	CHECK(pthread_mutex_unlock(&s->robust) == 0);
	CHECK(pthread_mutex_lock(&s->robust) == 0);
	CHECK(pthread_mutex_unlock(&s->robust) == 0);
	printf("made consistent, locks normally again\n");
}

static void file_mapping(void)
{
	static char zero[4096];
	int fd = open("/t/tmp/shmfutex", O_RDWR | O_CREAT | O_TRUNC, 0600);
	volatile int *a, *b;
	pid_t p;
	int st;

	write(fd, zero, sizeof(zero));
	a = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	p = child();
	if (p == 0) {
		int fd2 = open("/t/tmp/shmfutex", O_RDWR);
		volatile int *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				       MAP_SHARED, fd2, 0);

		m[1] = 1; /* ready */
		for (int i = 0; i < 500 && m[0] == 0; i++)
			syscall(SYS_futex, m, FUTEX_WAIT, 0,
				&(struct timespec){ 0, 10000000 }, NULL, 0);
		_exit(m[0] == 5 ? 0 : 1);
	}
	b = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	for (int i = 0; i < 5000 && !b[1]; i++)
		usleep(1000);
	usleep(10000);
	b[0] = 5;
	futex(b, FUTEX_WAKE, 1);
	CHECK(waitpid(p, &st, 0) == p && st == 0);
	printf("futex through separate mappings of a file: woken\n");
	munmap((void *)a, 4096);
	munmap((void *)b, 4096);
	close(fd);
	unlink("/t/tmp/shmfutex");
}

int main(void)
{
	struct shm *s = mmap(NULL, sizeof(struct shm), PROT_READ | PROT_WRITE,
			     MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	setvbuf(stdout, NULL, _IOLBF, 0);
	CHECK(s != MAP_FAILED);
	raw_lock(s);
	pingpong(s);
	semaphores(s);
	robust(s);
	file_mapping();
	return guest_done("shmfutex");
}
