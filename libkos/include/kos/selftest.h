/*
 * Boot self-test: exercises the scheduler, wait queues, timers and
 * allocators on the running kernel (real interrupts, real clock) and
 * prints "selftest: N passed, N failed".  Returns 0 when all passed, 1
 * otherwise.  Runs on thread "main" with interrupts enabled.
 */
#ifndef KOS_SELFTEST_H
#define KOS_SELFTEST_H

int selftest_run(void);

/*
 * The "net-stack" case (net/stack_selftest.c): ICMP echo and TCP over lo,
 * then an echo to an Ethernet interface's gateway if one is configured.
 * true when it passed (reason then says what ran or was skipped); reason
 * gets a line of at most size bytes.
 */
bool net_stack_selftest(char *reason, size_t size);

#endif
