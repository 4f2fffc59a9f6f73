/*
 * Building the first context of a kernel thread.  The frame laid down here
 * is exactly what arch_context_switch() pops (switch.S), so the first
 * switch "returns" into arch_thread_start with entry and arg in registers.
 */
#include <kos/arch.h>

/* In switch.S; hidden, so its address needs no GOT entry. */
void arch_thread_start(void) __attribute__((visibility("hidden")));

/* Slots in the initial frame, from the saved rsp upwards. */
enum {
	FRAME_R15,
	FRAME_R14,
	FRAME_R13,
	FRAME_R12,
	FRAME_RBX,
	FRAME_RBP,
	FRAME_RET,
	FRAME_WORDS
};

/*
 * See kos/arch.h.  The frame starts 8 bytes below a 16-byte boundary so
 * that after the final "ret" of the switch, rsp is 16-byte aligned at
 * arch_thread_start, whose "call" then gives entry the ABI alignment.
 */
void arch_context_init(struct arch_context *ctx, void *stack_lo, size_t size,
		       void (*entry)(void *), void *arg)
{
	uint64_t top = ALIGN_DOWN((uint64_t)stack_lo + size, 16);
	uint64_t *frame = (uint64_t *)(top - 16 - FRAME_WORDS * 8);

	/* Two zero words above the frame: a null return address/rbp pair. */
	((uint64_t *)top)[-1] = 0;
	((uint64_t *)top)[-2] = 0;
	frame[FRAME_R15] = 0;
	frame[FRAME_R14] = 0;
	frame[FRAME_R13] = 0;
	frame[FRAME_R12] = (uint64_t)arg;
	frame[FRAME_RBX] = (uint64_t)entry;
	frame[FRAME_RBP] = 0;
	frame[FRAME_RET] = (uint64_t)arch_thread_start;
	ctx->rsp = (uint64_t)frame;
}
