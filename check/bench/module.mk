# Benchmarks (docs/benchmarks.md).  Not part of `make check`: speed is
# measured here, never asserted in tests.
#
#   make bench      build the benchmark program and its initramfs, then
#                   scripts/bench runs it on Linux/QEMU, KOS/QEMU, the host,
#                   hosted KOS, UML and gVisor and prints the ratios
#   make bench BENCH_FLAGS='--systems "native kos-hosted"'
#
# The program lives in check/bench/src/ (not check/bench/), so that the
# unit-test wildcard check/*/*.c does not pick it up.

BENCH_FLAGS ?=

$(BUILD)/bench/bench: check/bench/src/bench.c check/bench/module.mk \
		| $(DEPS_STAMP)
	@mkdir -p $(@D)
	@echo "  MUSL    $@"
	$(Q)musl-gcc -static -O2 -g -Wall -Wextra -Werror -o $@ $<

# /bench and an empty /dev (Linux mounts devtmpfs there; KOS fills it).
$(BUILD)/bench/bench.cpio: $(BUILD)/bench/bench
	@echo "  CPIO    $@"
	$(Q)rm -rf $(BUILD)/bench/root && mkdir -p $(BUILD)/bench/root/dev && \
	cp $< $(BUILD)/bench/root/bench && \
	cd $(BUILD)/bench/root && find . -mindepth 1 | LC_ALL=C sort | \
		cpio --quiet -o -H newc --owner=0:0 --reproducible \
		> $(CURDIR)/$@

bench: $(BUILD)/bench/bench.cpio $(BUILD)/hosted/kos \
		$(BUILD)/x86_64/BOOTX64.EFI
	$(Q)KOS_BUILD=$(BUILD) scripts/bench --layouts 6 $(BENCH_FLAGS)
