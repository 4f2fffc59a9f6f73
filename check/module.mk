# Unit tests (Check), hosted.  Each check/<subsys>/check_*.c exports
# Suite *<name>_suite(void); check/runner.c lists the suites.  The tests link
# libkos.a against check/plat_test.c, a fake platform with a settable clock.
CHECK_SRCS += $(sort $(wildcard check/*.c check/*/*.c))
CHECK_OBJS := $(call hobj,$(CHECK_SRCS))
HCFLAGS_check/ += $(shell pkg-config --cflags check 2>/dev/null)

$(BUILD)/check/unit: $(CHECK_OBJS) $(BUILD)/libkos.a
	@mkdir -p $(@D)
	@echo "  LINK    $@"
	$(Q)$(CC) -o $@ $(CHECK_OBJS) $(BUILD)/libkos.a \
		$$(pkg-config --libs check) -lpthread

CHECK_TARGETS += $(BUILD)/check/unit
