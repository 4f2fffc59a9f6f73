/*
 * Futexes (libkos/proc/futex.c): the engine behind futex(2).
 */
#ifndef KOS_FUTEX_H
#define KOS_FUTEX_H

#include <kos/types.h>

#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_FD 2
#define FUTEX_REQUEUE 3
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAKE_OP 5
#define FUTEX_LOCK_PI 6
#define FUTEX_UNLOCK_PI 7
#define FUTEX_TRYLOCK_PI 8
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10
#define FUTEX_WAIT_REQUEUE_PI 11
#define FUTEX_CMP_REQUEUE_PI 12
#define FUTEX_LOCK_PI2 13
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_CLOCK_REALTIME 256
#define FUTEX_CMD_MASK (~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME))

#define FUTEX_BITSET_MATCH_ANY 0xffffffffU
#define FUTEX_WAITERS 0x80000000U
#define FUTEX_OWNER_DIED 0x40000000U
#define FUTEX_TID_MASK 0x3fffffffU

struct uthread;

/*
 * Sleep while the word at uaddr holds val, until a wake that meets
 * bitset, the monotonic deadline (UINT64_MAX: none) or a signal.
 * 0, -EAGAIN (word differs), -ETIMEDOUT, -EINTR / -ERESTARTSYS,
 * -EINVAL (misaligned, bitset 0), -EFAULT.
 */
long futex_wait(unsigned long uaddr, bool private, uint32_t val,
		uint64_t deadline_ns, uint32_t bitset);
/* Wake up to n waiters on uaddr whose bitset meets bitset; the count. */
long futex_wake(unsigned long uaddr, bool private, int n, uint32_t bitset);
/* Wake nwake, move up to nmove waiters to uaddr2 (cmp: if *uaddr == val3). */
long futex_requeue(unsigned long uaddr, bool private, int nwake, int nmove,
		   unsigned long uaddr2, bool cmp, uint32_t val3);
/* FUTEX_WAKE_OP with Linux's encoding of the operation in encoded. */
long futex_wake_op(unsigned long uaddr, bool private, int nwake,
		   unsigned long uaddr2, int nwake2, uint32_t encoded);

#endif
