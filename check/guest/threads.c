/*
 * Threads through the C library: pthread_create/join (CLONE_THREAD,
 * CLONE_SETTLS, CLONE_CHILD_CLEARTID woken by futex), mutexes and
 * condition variables (futex wait/wake), thread-local storage, tids and
 * the shared pid, a thread that exits alone, and exit_group from a thread.
 */
#include <pthread.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest.h"

#define NTHREADS 8
#define ROUNDS 2000

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static long counter;
static int ready;
static __thread int tls_value;
static pid_t tids[NTHREADS];

static void *worker(void *arg)
{
	long id = (long)arg;

	tls_value = (int)id * 10;
	tids[id] = (pid_t)syscall(SYS_gettid);
	for (int i = 0; i < ROUNDS; i++) {
		pthread_mutex_lock(&lock);
		counter++;
		pthread_mutex_unlock(&lock);
	}
	pthread_mutex_lock(&lock);
	ready++;
	pthread_cond_signal(&cond);
	pthread_mutex_unlock(&lock);
	return (void *)(long)(tls_value + (getpid() > 0));
}

static void *exit_all(void *arg)
{
	exit(7); /* exit_group from a thread */
}

int main(void)
{
	pthread_t t[NTHREADS];
	int distinct = 1, status;
	pid_t pid;

	setvbuf(stdout, NULL, _IONBF, 0);
	tls_value = -1;
	for (long i = 0; i < NTHREADS; i++)
		CHECK(pthread_create(&t[i], NULL, worker, (void *)i) == 0);
	pthread_mutex_lock(&lock);
	while (ready < NTHREADS)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);
	for (long i = 0; i < NTHREADS; i++) {
		void *ret;

		CHECK(pthread_join(t[i], &ret) == 0);
		CHECK((long)ret == i * 10 + 1);
	}
	for (int i = 0; i < NTHREADS; i++)
		for (int j = 0; j < i; j++)
			if (tids[i] == tids[j] || tids[i] == getpid())
				distinct = 0;
	CHECK(counter == (long)NTHREADS * ROUNDS);
	CHECK(tls_value == -1);
	CHECK(distinct);
	printf("threads: counter %ld, tls kept %d, distinct tids %d\n", counter,
	       tls_value, distinct);

	/* exit() in a thread ends the whole process with its status */
	pid = fork();
	if (pid == 0) {
		pthread_t x;

		pthread_create(&x, NULL, exit_all, NULL);
		for (;;)
			pause();
	}
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 7);
	printf("exit from a thread: status %d\n", WEXITSTATUS(status));
	return guest_done("threads");
}
