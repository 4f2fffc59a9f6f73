# Linked mode for apps (docs/apps.md, docs/linked-mode.md): the app's C
# sources, linked/start.c and musl are linked with libkos.a into the
# kernel image itself (linked/module.mk), so its system calls are plain
# calls into the kernel's dispatcher.  An app asks for it in its app.mk:
#
#   APP_NAME_MODES := process linked      (or linked alone, or linked first)
#
# and the same APP_NAME_SRCS, APP_NAME_CFLAGS, APP_NAME_FILES and
# APP_NAME_CMDLINE serve both modes.  Also read here, all optional:
#
#   APP_NAME_LDLIBS         as in process mode; musl's own -lm, -lpthread,
#                           -lrt, -ldl, -lutil, -lcrypt, -lxnet, -lresolv
#                           name nothing more than libc.a and are dropped,
#                           the rest (archives built with LINKED_ABI_CFLAGS,
#                           -L/-l) go to ld in one group with libc.a
#   APP_NAME_LINKED_CFLAGS  added to the compile in linked mode only
#   APP_NAME_LINKED_OBJS    objects or archives that app.mk's own rules
#                           make with $(LINKED_ABI_CFLAGS) (sources from a
#                           Debian package, say), linked in as well; then
#                           APP_NAME_SRCS may be empty
#
# APP_NAME_BIN (a ready binary) cannot be linked: linked mode needs
# sources or objects.
#
# $(call app_mode_linked,NAME,DIR) makes, in OUT = $(call app_out,NAME,
# linked) (apps/module.mk: build/apps/NAME if linked is the app's first
# mode, else build/apps/NAME/linked):
#
#   OUT/obj/SRC.o         each of APP_NAME_SRCS, compiled with musl's
#                         headers: LINKED_ABI_CFLAGS APP_CFLAGS
#                         APP_NAME_CFLAGS APP_NAME_LINKED_CFLAGS
#   OUT/NAME.o            the app's one object (linked_object: the app,
#                         linked/start.c, libc.a, libgcc; only the entry
#                         points libkos calls stay global)
#   OUT/initramfs.cpio    APP_NAME_FILES + the base tree, as in process
#                         mode but with no /app/NAME (there is no binary)
#   OUT/NAME.cmdline      the default command line, APP_NAME_CMDLINE
#   OUT/NAME.efi          the bare-metal kernel with NAME.o in it, without
#                         DWARF, + initramfs + command line
#   OUT/NAME-kernel.elf   that kernel with its DWARF, for gdb (and
#                         OUT/kernel.elf, a link to it that kos-run --gdb
#                         names)
#   OUT/NAME-hosted       the hosted kernel with NAME.o in it; its
#                         .kos_app section (platform/hosted/payload.S)
#                         holds the initramfs and command line, and no
#                         guest stub (a linked app never starts a process)
#
# At run time the kernel unpacks the initramfs, then starts the app as
# PID 1 instead of an init= program: argv[0] is init='s value, so the
# same command line (init=/app/NAME ... -- ARGS) gives the same argv in
# both modes.

include linked/module.mk

# musl's libc.a holds what these name on other systems.
LINKED_LIBC_LDLIBS := -lc -lm -lpthread -lrt -ldl -lutil -lcrypt -lxnet \
	-lresolv

define app_mode_linked
$(if $(APP_$(1)_SRCS)$(APP_$(1)_LINKED_OBJS),,$(error $(2)/app.mk: \
	linked mode needs APP_$(1)_SRCS or APP_$(1)_LINKED_OBJS (a binary, \
	APP_$(1)_BIN, cannot be linked into the kernel)))
$(call app_linked_rules,$(1),$(2),$(call app_out,$(1),linked))
endef

define app_linked_rules
$(call linked_compile,$(3)/obj,$(APP_$(1)_SRCS),$(APP_CFLAGS) \
	$(APP_$(1)_CFLAGS) $(APP_$(1)_LINKED_CFLAGS),$(2)/app.mk)

$(call linked_object,$(3)/$(1).o,$(patsubst %.c,$(3)/obj/%.o,\
	$(APP_$(1)_SRCS)) $(APP_$(1)_LINKED_OBJS),$(filter-out \
	$(LINKED_LIBC_LDLIBS),$(APP_$(1)_LDLIBS)),$(1))

$(call app_initramfs,$(1),$(2),$(3),)

$(call linked_images,$(3)/$(1),$(3)/$(1).o,$(3)/initramfs.cpio,$(APP_$(1)_CMDLINE))

# kos-run --gdb (make debug APP=NAME MODE=linked) names the kernel.elf
# beside the image to gdb: the kernel with the app in it.
$(3)/kernel.elf: $(3)/$(1)-kernel.elf
	$(Q)ln -sf $(1)-kernel.elf $$@

APP_TARGETS_$(1) += $(3)/$(1).efi $(3)/$(1)-hosted $(3)/kernel.elf
APP_IMAGE_$(1)_linked_x86_64 := $(3)/$(1).efi
APP_IMAGE_$(1)_linked_hosted := $(3)/$(1)-hosted
endef
