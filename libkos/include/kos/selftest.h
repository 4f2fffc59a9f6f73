/*
 * Boot self-test: exercises the scheduler, wait queues, timers and
 * allocators on the running kernel (real interrupts, real clock) and
 * prints "selftest: N passed, N failed".  Returns 0 when all passed, 1
 * otherwise.  Runs on thread "main" with interrupts enabled.
 */
#ifndef KOS_SELFTEST_H
#define KOS_SELFTEST_H

#include <kos/types.h>

int selftest_run(void);

/*
 * The "net-stack" case (net/stack_selftest.c): ICMP echo and TCP over lo,
 * then an echo to an Ethernet interface's gateway if one is configured.
 * true when it passed (reason then says what ran or was skipped); reason
 * gets a line of at most size bytes.
 */
bool net_stack_selftest(char *reason, size_t size);

/*
 * The "net" case (net/selftest.c): ARP and ICMP echo from eth0 to the
 * gateway 10.0.2.2, before any stack.  true when it passed or skipped
 * (reason then says why); reason gets a line of at most size bytes.
 */
bool netdev_selftest(char *reason, size_t size);

#endif
