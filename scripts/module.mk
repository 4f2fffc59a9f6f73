# make run / make debug: boot KOS through scripts/kos-run, the runner the
# tests use too.
#
#   make run                        QEMU/OVMF, build/x86_64/BOOTX64.EFI
#   make run PLATFORM=hosted        build/hosted/kos
#   make run CMDLINE="selftest panic=poweroff" INITRD=file.cpio
#   make debug [PLATFORM=hosted]    x86_64: QEMU waits for gdb on :1234 and
#                                   the gdb command line is printed;
#                                   hosted: the kernel runs under gdb
#
# Without CMDLINE the image's embedded default command line is used
# (x86_64) or none (hosted).  KOS_RUN_FLAGS adds kos-run options, e.g.
# KOS_RUN_FLAGS="--timeout 60 --valgrind".

CMDLINE ?=
INITRD ?=
KOS_RUN_FLAGS ?=

KOS_RUN_DEPS_x86_64 := $(BUILD)/x86_64/BOOTX64.EFI $(BUILD)/x86_64/kernel.elf
KOS_RUN_DEPS_hosted := $(BUILD)/hosted/kos
KOS_RUN_IMAGE_x86_64 := $(BUILD)/x86_64/BOOTX64.EFI
KOS_RUN_IMAGE_hosted := $(BUILD)/hosted/kos

# single-quote a make value for the shell
kos_shq = '$(subst ','\'',$(1))'

KOS_RUN = KOS_BUILD=$(BUILD) scripts/kos-run --platform $(PLATFORM) \
	--image $(KOS_RUN_IMAGE_$(PLATFORM)) \
	$(if $(CMDLINE),--cmdline $(call kos_shq,$(CMDLINE))) \
	$(if $(INITRD),--initrd $(call kos_shq,$(INITRD))) $(KOS_RUN_FLAGS)

run: $(KOS_RUN_DEPS_$(PLATFORM))
	$(KOS_RUN)

debug: $(KOS_RUN_DEPS_$(PLATFORM))
	$(KOS_RUN) --gdb

# make kcflags: the compiler and flags libkos is built with, for scripts
# that compile it their own way (scripts/check-lto).
kcflags:
	@echo $(CC) $(KCFLAGS)

.PHONY: kcflags
