/*
 * Boot self-test: exercises the scheduler, wait queues, timers and
 * allocators on the running kernel (real interrupts, real clock) and
 * prints "selftest: N passed, N failed".  Returns 0 when all passed, 1
 * otherwise.  Runs on thread "main" with interrupts enabled.
 */
#ifndef KOS_SELFTEST_H
#define KOS_SELFTEST_H

int selftest_run(void);

#endif
