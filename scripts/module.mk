# make run / make debug: boot KOS through scripts/kos-run, the runner the
# tests use too.
#
#   make run                        QEMU/OVMF, build/x86_64/BOOTX64.EFI
#   make run PLATFORM=hosted        build/hosted/kos
#   make run CMDLINE="selftest panic=poweroff" INITRD=file.cpio
#   make run ROOT=ext4 [PLATFORM=hosted]
#                                   the default system with its root on
#                                   ext4: a fresh copy of default-ext4.img
#                                   each run (build/run/root-ext4.img) as
#                                   /dev/vda, root=/dev/vda rw; e2fsck -fn
#                                   of it after the run
#   make run ROOT_IMAGE=FILE [PLATFORM=hosted]
#                                   the same on FILE, kept between runs
#                                   (made as a copy of default-ext4.img
#                                   if it does not exist): what you
#                                   write stays
#   make run IMAGE=debian [PLATFORM=hosted]
#                                   the Debian 12 image (images/debian/,
#                                   docs/debian.md) the same way: a fresh
#                                   copy of build/images/debian.img each
#                                   run (build/run/root-debian.img), or
#                                   ROOT_IMAGE=FILE's kept one
#   make run NET=user[,hostfwd=tcp::8080-:80]
#                                   with a network, eth0 (kos-run --net:
#                                   QEMU's user networking, 10.0.2.15)
#   make run APP=NAME [PLATFORM=hosted] [MODE=...] [CMDLINE="..."]
#                                   a single-app image (apps/module.mk,
#                                   docs/apps.md) with its own initramfs
#                                   and command line; the run's status
#                                   is the app's exit status
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
NET ?=
KOS_RUN_FLAGS ?=
ROOT ?=
ROOT_IMAGE ?=
# ROOT_MODE: how root= is mounted (ro or rw)
ROOT_MODE ?= rw
# IMAGE: the system booted, default (BusyBox, from the initramfs or with
# ROOT=ext4 from ext4) or debian (always from ext4)
IMAGE ?= default

ifeq ($(IMAGE),debian)
ROOT := debian
else ifneq ($(IMAGE),default)
$(error IMAGE=$(IMAGE): only IMAGE=default and IMAGE=debian are known)
endif
ifneq ($(ROOT_IMAGE),)
ifeq ($(ROOT),)
ROOT := ext4
endif
endif
# the pristine image and the disk a run boots (ROOT_DISK)
ROOT_SRC_ext4 := $(EXT4_DEFAULT_IMAGE)
ROOT_DISK_ext4 := $(if $(ROOT_IMAGE),$(ROOT_IMAGE),$(BUILD)/run/root-ext4.img)
ROOT_CMDLINE_ext4 := root=/dev/vda $(ROOT_MODE) init=/sbin/init
ROOT_SRC_debian := $(DEBIAN_IMAGE)
ROOT_DISK_debian := $(if $(ROOT_IMAGE),$(ROOT_IMAGE),$(BUILD)/run/root-debian.img)
ROOT_CMDLINE_debian := root=/dev/vda $(ROOT_MODE) init=/sbin/init
ifneq ($(ROOT),)
ifeq ($(ROOT_SRC_$(ROOT)),)
$(error ROOT=$(ROOT): only ROOT=ext4 is known)
endif
CMDLINE := $(if $(CMDLINE),$(CMDLINE),$(ROOT_CMDLINE_$(ROOT)))
ROOT_DISK := $(ROOT_DISK_$(ROOT))
endif

kos_comma := ,

# root_prepare: the shell commands that make ROOT_DISK before a run: a
# fresh copy of the pristine image, or ROOT_IMAGE's first copy (kept).
root_prepare = $(if $(ROOT),$(if $(ROOT_IMAGE),\
	if [ ! -e $(call kos_shq,$(ROOT_DISK)) ]; then \
		echo "make run: $(ROOT_DISK): a new copy of $(ROOT_SRC_$(ROOT))$(kos_comma) kept after the run"; \
		cp --sparse=always $(ROOT_SRC_$(ROOT)) $(call kos_shq,$(ROOT_DISK)) || exit 1; \
	else echo "make run: root on $(ROOT_DISK) (kept)"; fi;,\
	mkdir -p $(dir $(ROOT_DISK)) && \
	cp --sparse=always $(ROOT_SRC_$(ROOT)) $(ROOT_DISK) && \
	echo "make run: root on $(ROOT_DISK)$(kos_comma) a fresh copy of $(ROOT_SRC_$(ROOT)) (ROOT_IMAGE=FILE keeps one)" || exit 1;))

# root_verify: after the run, e2fsck -fn of ROOT_DISK (make run's status
# stays the kernel's).
root_verify = $(if $(ROOT),st=$$?; \
	echo "make run: $(ROOT_DISK): $$(scripts/ext4-verify --quiet $(call kos_shq,$(ROOT_DISK)) 2>&1 | head -n 1)"; \
	exit $$st)

KOS_RUN_DEPS_x86_64 := $(BUILD)/x86_64/BOOTX64.EFI $(BUILD)/x86_64/kernel.elf
KOS_RUN_DEPS_hosted := $(BUILD)/hosted/kos $(DEFAULT_IMAGE)
KOS_RUN_IMAGE_x86_64 := $(BUILD)/x86_64/BOOTX64.EFI
KOS_RUN_IMAGE_hosted := $(BUILD)/hosted/kos

# make run APP=NAME [MODE=process|linked]: the app's image instead
# (apps/module.mk; MODE defaults to the first of APP_NAME_MODES).  Its
# command line is its own unless CMDLINE= is given.
ifneq ($(APP),)
ifeq ($(filter $(APP),$(APPS)),)
$(error APP=$(APP): no such app (apps: $(APPS)))
endif
MODE ?= $(firstword $(APP_$(APP)_MODES))
ifeq ($(APP_IMAGE_$(APP)_$(MODE)_$(PLATFORM)),)
$(error APP=$(APP): no $(MODE)-mode image for $(PLATFORM) (modes: $(APP_$(APP)_MODES)))
endif
KOS_RUN_IMAGE_$(PLATFORM) := $(APP_IMAGE_$(APP)_$(MODE)_$(PLATFORM))
KOS_RUN_DEPS_$(PLATFORM) := $(KOS_RUN_IMAGE_$(PLATFORM))
endif

# single-quote a make value for the shell
kos_shq = '$(subst ','\'',$(1))'

# kos_run,EXTRA-FLAGS: the kos-run command line (KOS_RUN_FLAGS last, so
# they win)
kos_run = KOS_BUILD=$(BUILD) scripts/kos-run --platform $(PLATFORM) \
	--image $(KOS_RUN_IMAGE_$(PLATFORM)) \
	$(if $(CMDLINE),--cmdline $(call kos_shq,$(CMDLINE))) \
	$(if $(INITRD),--initrd $(call kos_shq,$(INITRD))) \
	$(if $(NET),--net $(call kos_shq,$(NET))) $(1) $(KOS_RUN_FLAGS)

# The one line make run prints before booting.
KOS_RUN_HINT_x86_64 := make run: type poweroff to shut down, or Ctrl-A X to quit QEMU
KOS_RUN_HINT_hosted := make run: type poweroff to shut down, or Ctrl-A X to quit the hosted kernel
ifneq ($(APP),)
KOS_RUN_HINT_x86_64 := make run: $(APP) ($(MODE) mode) in QEMU/OVMF; Ctrl-A X quits
KOS_RUN_HINT_hosted := make run: $(KOS_RUN_IMAGE_hosted) ($(MODE) mode); Ctrl-A X quits
endif

run: $(KOS_RUN_DEPS_$(PLATFORM)) $(ROOT_SRC_$(ROOT))
	@echo "$(KOS_RUN_HINT_$(PLATFORM))"
	$(Q)$(root_prepare) \
	$(call kos_run,--timeout 0 --reboot \
		$(if $(ROOT),--disk $(call kos_shq,$(ROOT_DISK)))); \
	$(root_verify)

debug: $(KOS_RUN_DEPS_$(PLATFORM)) $(ROOT_SRC_$(ROOT))
	$(Q)$(root_prepare) \
	$(call kos_run,--gdb $(if $(ROOT),--disk $(call kos_shq,$(ROOT_DISK))))

# make kcflags: the compiler and flags libkos is built with, for scripts
# that compile it their own way (scripts/check-lto).
kcflags:
	@echo $(CC) $(KCFLAGS)

.PHONY: kcflags
