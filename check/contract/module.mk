# Contract tests (docs/contract-tests.md): one test program built three
# ways from check/contract/tests/*.c -- musl static, musl static-PIE and
# glibc static -- packed with a fixed data tree into
# build/contract/initramfs.cpio.  scripts/run-contract runs it on the host
# (the oracle), on KOS hosted and on KOS in QEMU and compares line by line.
#
# The sources live one folder down (tests/) so check/module.mk's unit-test
# wildcard (check/*/*.c) does not pick them up.
CONTRACT_SRCS := $(sort $(wildcard check/contract/tests/*.c))
CONTRACT_HDRS := $(wildcard check/contract/tests/*.h)
CONTRACT_DIR := $(BUILD)/contract
CONTRACT_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror \
	-Wno-unused-parameter -D_GNU_SOURCE -fno-strict-aliasing
CONTRACT_MUSL_LIB := /usr/lib/x86_64-linux-musl
CONTRACT_BINS := $(CONTRACT_DIR)/contract-musl $(CONTRACT_DIR)/contract-musl-pie \
	$(CONTRACT_DIR)/contract-glibc $(CONTRACT_DIR)/contract-glibc-dyn

$(CONTRACT_DIR)/contract-musl: $(CONTRACT_SRCS) $(CONTRACT_HDRS) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@echo "  MUSL    $@"
	$(Q)musl-gcc -static $(CONTRACT_CFLAGS) -o $@ $(CONTRACT_SRCS)

$(CONTRACT_DIR)/contract-glibc: $(CONTRACT_SRCS) $(CONTRACT_HDRS) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@echo "  GLIBC   $@"
	$(Q)$(CC) -static $(CONTRACT_CFLAGS) -o $@ $(CONTRACT_SRCS)

# The dynamic variant (scripts/run-contract --variants glibc-dyn): glibc's
# PIE with /lib64/ld-linux-x86-64.so.2, which mkroot copies into the tree
# with the libraries ldd lists.
$(CONTRACT_DIR)/contract-glibc-dyn: $(CONTRACT_SRCS) $(CONTRACT_HDRS) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@echo "  GLIBC   $@ (dynamic)"
	$(Q)$(CC) $(CONTRACT_CFLAGS) -o $@ $(CONTRACT_SRCS)

# Debian's musl-gcc cannot link a static PIE itself: link by hand.
$(CONTRACT_DIR)/pie/%.o: check/contract/tests/%.c $(CONTRACT_HDRS) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(Q)musl-gcc -fPIE $(CONTRACT_CFLAGS) -c -o $@ $<

$(CONTRACT_DIR)/contract-musl-pie: $(patsubst check/contract/tests/%.c,$(CONTRACT_DIR)/pie/%.o,$(CONTRACT_SRCS))
	@echo "  MUSLPIE $@"
	$(Q)$(LD) -static -pie --no-dynamic-linker -z text -o $@ \
		$(CONTRACT_MUSL_LIB)/rcrt1.o $(CONTRACT_MUSL_LIB)/crti.o \
		$$($(CC) -print-file-name=crtbeginS.o) $^ \
		-L$(CONTRACT_MUSL_LIB) -lc $$($(CC) -print-libgcc-file-name) \
		$$($(CC) -print-file-name=crtendS.o) $(CONTRACT_MUSL_LIB)/crtn.o

$(CONTRACT_DIR)/initramfs.cpio: $(CONTRACT_BINS) $(INITRAMFS_FILES) \
		check/contract/mkroot check/contract/module.mk
	@echo "  CPIO    $@"
	$(Q)check/contract/mkroot $@ $(CONTRACT_DIR)/root $(CONTRACT_BINS)

# The same tree as an ext4 root (scripts/run-contract --fs ext4): the
# tests on KOS's ext4.  mkroot leaves the tree in $(CONTRACT_DIR)/root.
$(CONTRACT_DIR)/root-ext4.img: $(CONTRACT_DIR)/initramfs.cpio $(MKEXT4_DEPS)
	@echo "  EXT4    $@"
	$(Q)scripts/mkext4 --fixed-times $(CONTRACT_DIR)/root $@ 64M >/dev/null

contract-build: $(CONTRACT_DIR)/initramfs.cpio

# The whole set on the host oracle and both KOS platforms.
contract: contract-build
	$(Q)scripts/run-contract

CHECK_TARGETS += $(CONTRACT_DIR)/initramfs.cpio $(CONTRACT_DIR)/root-ext4.img
.PHONY: contract contract-build
