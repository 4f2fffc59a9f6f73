/*
 * The contract between the hosted kernel (platform/hosted/user.c,
 * mirror.c, spawn.c) and its guest stub process (stub.c, built as the
 * static executable build/hosted/kos-stub).  See docs/hosted.md, "Guest
 * processes".
 *
 * Every guest address space is one stub process.  Its own code, stack and
 * command area sit in a fixed reserved range of user addresses that the
 * core's vm layer never hands out (vm_reserve_range()); everything else in
 * the stub's address space is the guest's, mirrored from the core's page
 * tables as MAP_SHARED mappings of the RAM memfd.
 *
 * This header is included by both sides: only constants and plain
 * structures, no host or core headers.
 */
#ifndef HOSTED_STUB_H
#define HOSTED_STUB_H

/*
 * The reservation: 1 MiB at 1 MiB, below where non-PIE executables start
 * (0x400000) and far below everything Linux (and the core) place on their
 * own: top-down mmap from VM_USER_TOP - 128 MiB, static-PIE breaks that
 * grow up from there into the stack gap, dynamic PIEs at 0x555555554000.
 * Only an explicit MAP_FIXED (or a hint) can ask for it; the core then
 * says -ENOMEM (or ignores the hint).  See docs/hosted.md.
 */
#define STUB_BASE 0x100000UL
#define STUB_SIZE 0x100000UL
#define STUB_END (STUB_BASE + STUB_SIZE)

/* The image (linked at STUB_BASE) must end below the command area. */
#define STUB_IMAGE_MAX 0x80000UL

/*
 * The command area: STUB_CMD_PAGES pages of the RAM memfd (allocated by
 * the kernel from the core's page allocator, order STUB_CMD_ORDER),
 * mapped read-only in the stub at STUB_CMD.  The kernel writes a batch of
 * operations there; the stub only reads it, so a guest cannot forge one.
 */
#define STUB_CMD (STUB_BASE + STUB_IMAGE_MAX)
#define STUB_CMD_ORDER 4
#define STUB_CMD_SIZE (4096UL << STUB_CMD_ORDER)

/* The end of the host's user address space (x86-64, 4-level paging). */
#define STUB_HOST_TOP 0x7ffffffff000UL

/* The RAM memfd's descriptor number in the stub. */
#define STUB_RAM_FD 3

/* The stub's own stack (in its .bss). */
#define STUB_STACK_SIZE 16384

/* rax at the stub's first int3: it set itself up (rdx: 0 or -errno). */
#define STUB_READY 0x6b6f7362UL /* "bsok" */

/*
 * One mirror operation: STUB_OP_MAP is mmap(addr, len, prot,
 * MAP_SHARED | MAP_FIXED, STUB_RAM_FD, off), STUB_OP_UNMAP munmap(addr, len).
 */
#define STUB_OP_MAP 1
#define STUB_OP_UNMAP 2

struct stub_op {
	unsigned long addr;
	unsigned long len;
	unsigned long off; /* MAP: offset in the RAM memfd (physical address) */
	unsigned int kind; /* STUB_OP_* */
	unsigned int prot; /* MAP: PROT_* */
};

#define STUB_MAX_OPS ((STUB_CMD_SIZE - 64) / sizeof(struct stub_op))

/*
 * The command area.  The kernel fills ops[0..nops) and starts the stub at
 * stub_batch_entry with rsp = stub stack top; the stub runs the operations
 * in order and traps (int3) with rax = how many succeeded and rdx = 0 or
 * the -errno of the first that failed (it stops there).
 */
struct stub_cmd {
	unsigned int nops;
	unsigned int pad[15];
	struct stub_op ops[STUB_MAX_OPS];
};

#endif
