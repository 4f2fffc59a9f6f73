# Hosted platform: libkos linked into an ordinary Linux program,
# build/hosted/kos, plus the guest stub build/hosted/kos-stub that the
# kernel starts (from its own directory) for every guest address space.
# Host code (`h` flavour); see docs/hosted.md.  Networking (net.c) links
# Debian's libslirp (libslirp-dev), the hosted kernel alone.
# (Object names are spelled out: hobj is defined after this fragment.)
HOSTED_SRCS += $(sort $(wildcard platform/hosted/*.c))
HOSTED_OBJS := $(patsubst %.c,$(BUILD)/h/%.o,$(HOSTED_SRCS))

$(BUILD)/hosted/kos: $(HOSTED_OBJS) $(BUILD)/libkos.a
	@mkdir -p $(@D)
	@echo "  LINK    $@"
	$(Q)$(CC) -o $@ $(HOSTED_OBJS) $(BUILD)/libkos.a -lslirp

# The stub: no libc, static, linked at STUB_BASE (stub/stub.h: keep the
# -Ttext-segment below equal to it), native
# code only (it is exec'd, so valgrind --trace-children=no leaves it
# alone).  General registers only, so the guest's FPU/SSE
# state, which lives in this very process, is never touched.
STUB_CFLAGS := -std=gnu11 -O2 -g $(WARN) -ffreestanding -fno-pic \
	-fno-stack-protector -fno-asynchronous-unwind-tables \
	-fcf-protection=none -mgeneral-regs-only
STUB_LDFLAGS := -nostdlib -static -no-pie -Wl,--build-id=none \
	-Wl,-Ttext-segment=0x100000

$(BUILD)/hosted/kos-stub: platform/hosted/stub/stub.c \
		platform/hosted/stub/stub.h | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@echo "  STUB    $@"
	$(Q)$(CC) $(STUB_CFLAGS) $(STUB_LDFLAGS) -o $@ $<

ALL_TARGETS += $(BUILD)/hosted/kos $(BUILD)/hosted/kos-stub
