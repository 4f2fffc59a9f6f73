# Hosted platform: libkos linked into an ordinary Linux program,
# build/hosted/kos.  Host code (`h` flavour); see docs/hosted.md.
# (Object names are spelled out: hobj is defined after this fragment.)
HOSTED_SRCS += $(sort $(wildcard platform/hosted/*.c))
HOSTED_OBJS := $(patsubst %.c,$(BUILD)/h/%.o,$(HOSTED_SRCS))

$(BUILD)/hosted/kos: $(HOSTED_OBJS) $(BUILD)/libkos.a
	@mkdir -p $(@D)
	@echo "  LINK    $@"
	$(Q)$(CC) -o $@ $(HOSTED_OBJS) $(BUILD)/libkos.a

ALL_TARGETS += $(BUILD)/hosted/kos
