# fsrand (check/fsrand/fsrand.c): the seeded file-system workload and
# canonical tree dump.  One static musl binary, build/guest/fsrand, runs
# both in the guest initramfs (/t/fsrand) and on the host, where it makes
# the reference dump (scripts/run-fsrand-test, docs/ext4-testing.md).
FSRAND := $(BUILD)/guest/fsrand

$(FSRAND): check/fsrand/fsrand.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@echo "  MUSL    $@"
	$(Q)musl-gcc -static $(GUEST_CFLAGS) -o $@ $<

GUEST_BINS += $(FSRAND)
