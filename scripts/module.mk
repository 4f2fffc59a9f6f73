# make run / make debug: boot KOS through scripts/kos-run, the runner the
# tests use too.
#
#   make run                        QEMU/OVMF, build/x86_64/BOOTX64.EFI
#   make run PLATFORM=hosted        build/hosted/kos
#   make run CMDLINE="selftest panic=poweroff" INITRD=file.cpio
#   make run ROOT=ext4 [PLATFORM=hosted]
#                                   the default system on an ext4 disk:
#                                   build/images/root-ext4.img (a copy of
#                                   default-ext4.img made on first use and
#                                   kept, so what you write stays; delete
#                                   it for a fresh one) as /dev/vda,
#                                   root=/dev/vda
#   make debug [PLATFORM=hosted]    x86_64: QEMU waits for gdb on :1234 and
#                                   the gdb command line is printed;
#                                   hosted: the kernel runs under gdb
#
# Without CMDLINE and INITRD both platforms boot the default system image
# (images/module.mk: BusyBox init, a root shell on the console) with
# init=/sbin/init: embedded in BOOTX64.EFI, given to the hosted kernel by
# kos-run.  make run prints how to leave first, has no time limit, and
# boots again after a reboot(2) restart ("reboot" in the shell).
# KOS_RUN_FLAGS adds kos-run options, e.g.
# KOS_RUN_FLAGS="--timeout 60 --valgrind".

CMDLINE ?=
INITRD ?=
KOS_RUN_FLAGS ?=
ROOT ?=
# ROOT_MODE: ro until KOS's ext4 writes (issue 11 step 7), then rw
ROOT_MODE ?= ro

ROOT_DISK_ext4 := $(BUILD)/images/root-ext4.img
ROOT_CMDLINE_ext4 := root=/dev/vda $(ROOT_MODE) init=/sbin/init
ifneq ($(ROOT),)
ifeq ($(ROOT_DISK_$(ROOT)),)
$(error ROOT=$(ROOT): only ROOT=ext4 is known)
endif
CMDLINE := $(if $(CMDLINE),$(CMDLINE),$(ROOT_CMDLINE_$(ROOT)))
endif

$(ROOT_DISK_ext4): | $(EXT4_DEFAULT_IMAGE)
	@echo "  CP      $@"
	$(Q)cp --sparse=always $(EXT4_DEFAULT_IMAGE) $@

KOS_RUN_DEPS_x86_64 := $(BUILD)/x86_64/BOOTX64.EFI $(BUILD)/x86_64/kernel.elf
KOS_RUN_DEPS_hosted := $(BUILD)/hosted/kos $(DEFAULT_IMAGE)
KOS_RUN_IMAGE_x86_64 := $(BUILD)/x86_64/BOOTX64.EFI
KOS_RUN_IMAGE_hosted := $(BUILD)/hosted/kos

# single-quote a make value for the shell
kos_shq = '$(subst ','\'',$(1))'

# kos_run,EXTRA-FLAGS: the kos-run command line (KOS_RUN_FLAGS last, so
# they win)
kos_run = KOS_BUILD=$(BUILD) scripts/kos-run --platform $(PLATFORM) \
	--image $(KOS_RUN_IMAGE_$(PLATFORM)) \
	$(if $(CMDLINE),--cmdline $(call kos_shq,$(CMDLINE))) \
	$(if $(INITRD),--initrd $(call kos_shq,$(INITRD))) $(1) $(KOS_RUN_FLAGS)

# The one line make run prints before booting.
KOS_RUN_HINT_x86_64 := make run: type poweroff to shut down, or Ctrl-A X to quit QEMU
KOS_RUN_HINT_hosted := make run: type poweroff to shut down, or Ctrl-A X to quit the hosted kernel

run: $(KOS_RUN_DEPS_$(PLATFORM)) $(ROOT_DISK_$(ROOT))
	@echo "$(KOS_RUN_HINT_$(PLATFORM))"
	$(Q)$(call kos_run,--timeout 0 --reboot \
		$(if $(ROOT),--disk $(ROOT_DISK_$(ROOT))))

debug: $(KOS_RUN_DEPS_$(PLATFORM))
	$(Q)$(call kos_run,--gdb)

# make kcflags: the compiler and flags libkos is built with, for scripts
# that compile it their own way (scripts/check-lto).
kcflags:
	@echo $(CC) $(KCFLAGS)

.PHONY: kcflags
