# Single-app images (issue 13; docs/apps.md).  Every apps/NAME/app.mk (and
# DIR/NAME/app.mk for each DIR in APPS_EXTRA, for out-of-tree apps and the
# tests, and the test apps check/apps/NAME/app.mk) describes one app; this
# file includes them and makes the rules:
#
#   make app APP=NAME   build/apps/NAME/NAME.efi     one UEFI file: stub,
#                                                    kernel, the app's
#                                                    initramfs, its command line
#                       build/apps/NAME/NAME-hosted  one host executable: the
#                                                    hosted kernel with the same
#                                                    initramfs, command line
#                                                    (and guest stub) built in
#                       (in the app's first mode; its other modes make the
#                       same names in build/apps/NAME/MODE/: app_out)
#   make apps           every app of apps/ and APPS_EXTRA
#   make -s app-images APP=NAME   "MODE PLATFORM FILE" for each image
#   make run APP=NAME [PLATFORM=hosted] [MODE=] [CMDLINE="..."]
#                       (scripts/module.mk)
#
# app.mk is included with APP_DIR set to its folder (apps/NAME); paths in
# it are relative to the top of the tree, as in every module.mk.  It sets
# (NAME as spelled by the folder):
#
#   APP_NAME_SRCS     C sources, built with musl-gcc -static into
#                     build/apps/NAME/NAME (APP_NAME_CFLAGS, APP_NAME_LDLIBS
#                     are added to the compile and link)
#   APP_NAME_BIN      or: a static x86-64 Linux binary that app.mk's own
#                     recipe makes (apps built from Debian packages)
#   APP_NAME_FILES    optional: a folder whose tree is copied onto the
#                     initramfs's root (APP_NAME_FILES/etc/x -> /etc/x)
#   APP_NAME_CMDLINE  the default kernel command line (default:
#                     init=/app/NAME panic=poweroff).  Linux's syntax: the
#                     kernel's words, then "--" and the app's arguments
#                     (argv[1]...).  Overridden at run time with --cmdline.
#   APP_NAME_MODES    how it is built: process (an unmodified static binary
#                     at /app/NAME, PID 1 in user mode) and/or linked (the
#                     app's sources linked into the kernel,
#                     apps/mode-linked.mk, which reads a few more
#                     variables).  Default process.  The first one is what
#                     make run runs (MODE=... picks another).
#
# Modes are macros: app_mode_MODE,NAME,DIR defines the rules of one app in
# one mode, in the folder $(call app_out,NAME,MODE), adds its targets to
# APP_TARGETS_NAME and sets APP_IMAGE_NAME_MODE_x86_64 and
# APP_IMAGE_NAME_MODE_hosted, the files make run boots.  Process mode is
# defined here; the others in apps/mode-MODE.mk (linked), included below,
# before the apps.

APPS_EXTRA ?=
# check/apps/ holds test apps (check/apps/README.md): built and booted by
# make check like apps/' own, not by make apps.
APP_TEST_MKS := $(sort $(wildcard check/apps/*/app.mk))
APP_MKS := $(sort $(wildcard apps/*/app.mk)) \
	$(foreach d,$(APPS_EXTRA),$(sort $(wildcard $(d)/*/app.mk))) \
	$(APP_TEST_MKS)
app_name = $(notdir $(patsubst %/,%,$(dir $(1))))
APPS := $(foreach m,$(APP_MKS),$(call app_name,$(m)))
APPS_TEST := $(foreach m,$(APP_TEST_MKS),$(call app_name,$(m)))

# Process mode's compiler flags for APP_NAME_SRCS.
APP_CFLAGS := -O2 -g -Wall -Werror -D_GNU_SOURCE

# What every app's initramfs holds besides the app: the base tree
# (images/initramfs), the usual mount points and the device nodes
# (DEV_NODES, images/module.mk).
APP_BASE_FILES := $(INITRAMFS_FILES) apps/module.mk scripts/mkcpio

# The kernel an app's .efi carries: kernel.elf without its DWARF (3.3 of
# its 4.3 MB) and without .eh_frame (100 KiB that nothing on metal reads:
# backtraces follow frame pointers).  .symtab stays, so panics still name
# functions; gdb reads the full build/x86_64/kernel.elf.  This keeps
# hello.efi under issue 13's 1 MiB.
APP_KERNEL_ELF := $(BUILD)/x86_64/kernel-app.elf
$(APP_KERNEL_ELF): $(BUILD)/x86_64/kernel.elf
	@echo "  STRIP   $@"
	$(Q)$(OBJCOPY) --strip-debug --remove-section=.eh_frame $< $@

# Where a mode's files go: the first mode of APP_NAME_MODES (the default)
# makes build/apps/NAME/NAME.efi and NAME-hosted, the names issue 13
# gives; every other mode MODE the same names in build/apps/NAME/MODE/
# (hello: build/apps/hello/linked/hello.efi, hello-hosted).
# $(call app_out,NAME,MODE)
app_out = $(BUILD)/apps/$(1)$(if $(filter-out \
	$(firstword $(APP_$(1)_MODES)),$(2)),/$(2))

# $(call app_initramfs,NAME,DIR,OUT,EXE): OUT/initramfs.cpio, the base
# tree, APP_NAME_FILES and, if EXE is given, EXE (without its DWARF) as
# /app/NAME.  Staged in OUT/root.
define app_initramfs
$(3)/initramfs.cpio: $(4) $$(APP_$(1)_FILES_LIST) $(2)/app.mk \
		$(APP_BASE_FILES) | $(DEPS_STAMP)
	@mkdir -p $$(@D)
	@echo "  CPIO    $$@"
	$(Q)r=$(3)/root && rm -rf $$$$r && \
	mkdir -p $$$$r/app $$$$r/dev $$$$r/proc $$$$r/sys $$$$r/tmp \
		$$$$r/run $$$$r/etc && chmod 1777 $$$$r/tmp && \
	cp -a images/initramfs/. $$$$r/ && \
	$(if $(4),install -m 755 $(4) $$$$r/app/$(1) && \
	strip --strip-debug $$$$r/app/$(1) &&) \
	$(if $(APP_$(1)_FILES),cp -a $(APP_$(1)_FILES)/. $$$$r/ &&) \
	scripts/mkcpio $$@ $$$$r $(DEV_NODES)
endef

# --- process mode -------------------------------------------------------
# $(call app_mode_process,NAME,DIR), in OUT = $(call app_out,NAME,process):
#   OUT/NAME             the binary (from APP_NAME_SRCS)
#   OUT/initramfs.cpio   /app/NAME (the binary without its DWARF) +
#                        APP_NAME_FILES + base tree
#   OUT/NAME.efi         x86_efi_image (platform/x86_64)
#   OUT/NAME.cmdline     the default command line (the .efi's, and the
#                        hosted executable's)
#   OUT/NAME-hosted      the hosted kernel's objects + libkos.a +
#                        platform/hosted/payload.S
define app_mode_process
$(call app_process_rules,$(1),$(2),$(call app_out,$(1),process))
endef

define app_process_rules
APP_$(1)_EXE := $(or $(APP_$(1)_BIN),$(3)/$(1))

ifeq ($(APP_$(1)_BIN),)
$(3)/$(1): $(APP_$(1)_SRCS) $(2)/app.mk | $(DEPS_STAMP)
	@mkdir -p $$(@D)
	@echo "  MUSL    $$@"
	$(Q)musl-gcc -static $(APP_CFLAGS) $(APP_$(1)_CFLAGS) -o $$@ \
		$(APP_$(1)_SRCS) $(APP_$(1)_LDLIBS)
endif

$(call app_initramfs,$(1),$(2),$(3),$(or $(APP_$(1)_BIN),$(3)/$(1)))

$(eval $(call x86_efi_image,$(3)/$(1).efi,$(APP_KERNEL_ELF),$(3)/initramfs.cpio,$(APP_$(1)_CMDLINE)))

$(3)/$(1)-hosted.payload.o: platform/hosted/payload.S \
		$(3)/initramfs.cpio $(3)/$(1).cmdline \
		$(BUILD)/hosted/kos-stub
	@echo "  AS      $$@"
	$(Q)$(CC) -D__ASSEMBLY__ \
		-DKOS_PAYLOAD_INITRD='"$(3)/initramfs.cpio"' \
		-DKOS_PAYLOAD_CMDLINE='"$(3)/$(1).cmdline"' \
		-DKOS_PAYLOAD_STUB='"$(BUILD)/hosted/kos-stub"' \
		-c $$< -o $$@

$(3)/$(1)-hosted: $(HOSTED_OBJS) $(BUILD)/libkos.a \
		$(3)/$(1)-hosted.payload.o
	@echo "  LINK    $$@"
	$(Q)$(CC) -o $$@ $(HOSTED_OBJS) \
		$(3)/$(1)-hosted.payload.o $(BUILD)/libkos.a \
		-lslirp

APP_TARGETS_$(1) += $(3)/$(1).efi $(3)/$(1)-hosted
APP_IMAGE_$(1)_process_x86_64 := $(3)/$(1).efi
APP_IMAGE_$(1)_process_hosted := $(3)/$(1)-hosted
endef

# Other modes (the linked-mode hook above).
include $(sort $(wildcard apps/mode-*.mk))

# $(call app_define,NAME,DIR): include DIR/app.mk, then its modes' rules.
define app_define
APP_DIR := $(2)
include $(2)/app.mk
APP_$(1)_MODES ?= process
APP_$(1)_CMDLINE ?= init=/app/$(1) panic=poweroff
APP_$(1)_FILES_LIST := $$(if $$(APP_$(1)_FILES),$$(shell find $$(APP_$(1)_FILES) 2>/dev/null))
APP_TARGETS_$(1) :=
$$(foreach m,$$(APP_$(1)_MODES),$$(if $$(value app_mode_$$(m)),\
	$$(eval $$(call app_mode_$$(m),$(1),$(2))),\
	$$(error $(2)/app.mk: APP_$(1)_MODES: no mode "$$(m)" (have: \
		$$(patsubst app_mode_%,%,$$(filter app_mode_%,$$(.VARIABLES)))))))
app-$(1): $$(APP_TARGETS_$(1))
.PHONY: app-$(1)
endef

$(foreach m,$(APP_MKS),$(eval $(call app_define,$(call app_name,$(m)),$(patsubst %/,%,$(dir $(m))))))

APP ?=
app:
ifeq ($(APP),)
	@echo "make app APP=NAME: one of: $(APPS)" >&2; exit 2
else ifeq ($(filter $(APP),$(APPS)),)
	@echo "make app: no app $(APP) (apps: $(APPS))" >&2; exit 2
else
app: app-$(APP)
endif

apps: $(addprefix app-,$(filter-out $(APPS_TEST),$(APPS)))

# make -s app-images APP=NAME: one line "MODE PLATFORM FILE" per image,
# modes in APP_NAME_MODES's order (scripts/check-apps reads it).
app-images:
ifeq ($(filter $(APP),$(APPS)),)
	@echo "make app-images: no app '$(APP)' (apps: $(APPS))" >&2; exit 2
else
	@$(foreach m,$(APP_$(APP)_MODES),$(foreach p,x86_64 hosted,\
		echo "$(m) $(p) $(APP_IMAGE_$(APP)_$(m)_$(p))";)) true
endif

.PHONY: app apps app-images

# make check boots every app (scripts/check-apps, in the hosted, valgrind
# and x86_64 suites of scripts/run-checks): built before the suites start.
# (make bench's scripts/bench-apps needs them too.)
APP_CHECK_TARGETS := $(foreach a,$(APPS),$(APP_TARGETS_$(a)))
CHECK_TARGETS += $(APP_CHECK_TARGETS)
