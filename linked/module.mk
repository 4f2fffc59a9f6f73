# linked/: KOS's linked mode (docs/linked-mode.md) -- a C program and musl
# linked with libkos.a into the kernel image, its system calls plain
# calls into the dispatcher (libkos/proc/linked.c).
#
#   $(BUILD)/musl/sysroot       musl 1.2.3 from Debian's source package
#                               with KOS's replacement files
#                               (scripts/build-musl, linked/musl/)
#   $(BUILD)/linked/NAME.o      the program, linked/start.c, musl's libc.a
#                               and libgcc as ONE relocatable object in
#                               which only the entry points libkos calls
#                               stay global (so musl's malloc, printf,
#                               memcpy... never meet glibc's in the hosted
#                               kernel nor klib's on metal)
#   $(BUILD)/linked/NAME-hosted the hosted kernel with the program
#   $(BUILD)/linked/NAME.efi    the UEFI image with the program (no
#                               initramfs; the kernel without DWARF,
#                               NAME-kernel.elf keeps it for gdb)
#
# $(eval $(call linked_app,NAME,SOURCES,CMDLINE)) declares one; the test
# programs check/linked/*.c are declared so at the end.  Apps (apps/,
# make app APP=NAME in linked mode: apps/mode-linked.mk) use the layers
# below it:
#
#   linked_compile,OBJDIR,SOURCES,CFLAGS,DEPS
#                     each SOURCE compiled to OBJDIR/SOURCE.o with musl's
#                     headers, LINKED_ABI_CFLAGS and CFLAGS
#   linked_object,OBJ,INPUTS,LIBS,NAME
#                     OBJ, the one relocatable object: INPUTS (objects),
#                     linked/start.c, then LIBS (archives, -L/-l), musl's
#                     libc.a and libgcc as one group; the checks below
#   linked_images,PREFIX,OBJ,INITRD,CMDLINE
#                     PREFIX-hosted, PREFIX-kernel.elf (gdb) and
#                     PREFIX.efi: the kernels with OBJ in them.  With an
#                     INITRD, both carry it and CMDLINE (PREFIX-hosted in
#                     its .kos_app section, as apps/' images); without,
#                     the .efi carries CMDLINE only and PREFIX-hosted
#                     nothing.
#
# Every object of a linked program is compiled with LINKED_ABI_CFLAGS,
# musl's flags (scripts/build-musl): no red zone, PIE, no stack protector.
# Included by apps/mode-linked.mk first (apps/module.mk comes before this
# file in the Makefile), then by the Makefile: once is enough.
ifeq ($(LINKED_MK_INCLUDED),)
LINKED_MK_INCLUDED := 1

MUSL_SYSROOT := $(BUILD)/musl/sysroot
MUSL_LIBC := $(MUSL_SYSROOT)/lib/libc.a
# What every object of a linked program must be compiled with: musl's
# headers (not the host's), PIE, no red zone (on metal an interrupt
# pushes its frame on the program's stack in ring 0), no stack protector
# (its canary is at %fs:0x28, and %fs is not the program's), no unwind
# tables (nothing unwinds a linked program).
LINKED_ABI_CFLAGS := -nostdinc -isystem $(MUSL_SYSROOT)/include \
	-isystem $(GCC_INC) -fPIE -mno-red-zone -fno-stack-protector \
	-fno-asynchronous-unwind-tables -fno-unwind-tables
# The test programs' and linked/start.c's flags.
LINKED_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror $(LINKED_ABI_CFLAGS)
LIBGCC := $(shell $(CC) -print-libgcc-file-name)
# What libkos calls in the program's object; everything else goes local.
# The object may need only kos_linked_* and what the linker itself
# defines: _GLOBAL_OFFSET_TABLE_, and _DYNAMIC, a weak reference in musl's
# __init_tls that is read only with an AT_PHDR, which linked mode does
# not pass.
LINKED_KEEP := kos_linked_app_start kos_linked_app_present
LINKED_START := $(BUILD)/linked/obj/linked/start.o

$(MUSL_LIBC): scripts/build-musl scripts/fetch-musl \
		$(shell find linked/musl -type f) | $(DEPS_STAMP)
	@echo "  MUSL    $(MUSL_SYSROOT)"
	$(Q)KOS_BUILD=$(BUILD) scripts/build-musl >/dev/null

$(BUILD)/linked/obj/%.o: %.c $(MUSL_LIBC)
	@mkdir -p $(@D)
	@echo "  LINKCC  $<"
	$(Q)$(CC) $(LINKED_CFLAGS) $(DEPFLAGS) -c $< -o $@

# $(call linked_compile,OBJDIR,SOURCES,CFLAGS,DEPS): OBJDIR/S.o for each
# S.c in SOURCES (any path: OBJDIR/build/x/y.o for build/x/y.c), rebuilt
# when DEPS change too.
define linked_compile
$(if $(2),$(patsubst %.c,$(1)/%.o,$(2)): $(1)/%.o: %.c $(MUSL_LIBC) $(4)
	@mkdir -p $$(@D)
	@echo "  LINKCC  $$<"
	$(Q)$(CC) $(LINKED_ABI_CFLAGS) $(3) $(DEPFLAGS) -c $$< -o $$@)
endef

# $(call linked_object,OBJ,INPUTS,LIBS,NAME): the program's one object.
# ld -r with linked/object.lds gathers the constructors and destructors
# (.init_array, .fini_array) under names no final link runs by itself;
# linked/check-object then refuses what cannot work in linked mode
# (thread-local storage, %fs, .ctors/.preinit_array..., undefined
# symbols but kos_linked_* and the linker's own); then every symbol but
# LINKED_KEEP goes local.  INPUTS are prerequisites (objects); LIBS is
# passed to ld in the group with libc.a (archives, -L/-l).
define linked_object
$(1): $(2) $(LINKED_START) $(MUSL_LIBC) $(filter %.a %.o,$(3)) \
		linked/object.lds linked/check-object
	@mkdir -p $$(@D)
	@echo "  LD -r   $$@"
	$(Q)$(LD) -r -T linked/object.lds -o $$@.all $(2) $(LINKED_START) \
		--start-group $(3) $(MUSL_LIBC) $(LIBGCC) --end-group
	$(Q)linked/check-object $(4) $$@.all
	$(Q)$(OBJCOPY) $(addprefix -G ,$(LINKED_KEEP)) $$@.all $$@
endef

# $(call linked_images,PREFIX,OBJ,INITRD,CMDLINE)
define linked_images
$(if $(3),$(1)-hosted.payload.o: platform/hosted/payload.S $(3) \
		$(1).cmdline $(BUILD)/x86_64/empty
	@echo "  AS      $$@"
	$(Q)$(CC) -D__ASSEMBLY__ \
		-DKOS_PAYLOAD_INITRD='"$(3)"' \
		-DKOS_PAYLOAD_CMDLINE='"$(1).cmdline"' \
		-DKOS_PAYLOAD_STUB='"$(BUILD)/x86_64/empty"' \
		-c $$< -o $$@)

$(1)-hosted: $(HOSTED_OBJS) $(2) $(BUILD)/libkos.a \
		$(if $(3),$(1)-hosted.payload.o)
	@echo "  LINK    $$@"
	$(Q)$(CC) -o $$@ $(HOSTED_OBJS) $(2) \
		$(if $(3),$(1)-hosted.payload.o) $(BUILD)/libkos.a -lslirp

$(1)-kernel.elf: $$(X86_KERNEL_OBJS) $(2) $(BUILD)/libkos.a \
		$(X86_KERNEL_LDS)
	@echo "  LD      $$@"
	$(Q)$(LD) -static -nostdlib -z max-page-size=4096 -z noexecstack \
		--build-id=none -T $(X86_KERNEL_LDS) -o $$@ \
		$$(X86_KERNEL_OBJS) $(2) \
		--start-group $(BUILD)/libkos.a --end-group

# The .efi carries the kernel without DWARF and .eh_frame, as apps/'
# images do (gdb reads PREFIX-kernel.elf).
$(1)-kernel-strip.elf: $(1)-kernel.elf
	@echo "  STRIP   $$@"
	$(Q)$(OBJCOPY) --strip-debug --remove-section=.eh_frame $$< $$@

$$(eval $$(call x86_efi_image,$(1).efi,$(1)-kernel-strip.elf,$(3),$(4)))
endef

# $(call linked_app,NAME,SOURCES,CMDLINE): a test program in
# $(BUILD)/linked/ (no initramfs).
define linked_app
$$(eval $$(call linked_object,$(BUILD)/linked/$(1).o,$(patsubst \
	%.c,$(BUILD)/linked/obj/%.o,$(2)),,$(1)))
$$(eval $$(call linked_images,$(BUILD)/linked/$(1),$(BUILD)/linked/$(1).o,,$(3)))

LINKED_APPS += $(BUILD)/linked/$(1)-hosted $(BUILD)/linked/$(1).efi
endef

LINKED_APPS :=
$(eval $(call linked_app,hello,check/linked/hello.c,init=/hello -- one two))
$(eval $(call linked_app,limits,check/linked/limits.c,init=/limits))
$(eval $(call linked_app,sysbench,check/linked/sysbench.c,init=/sysbench))
$(eval $(call linked_app,threads,check/linked/threads.c,init=/threads))
$(eval $(call linked_app,signals,check/linked/signals.c,init=/signals))
$(eval $(call linked_app,mmap,check/linked/mmap.c,init=/mmap))
$(eval $(call linked_app,net,check/linked/net.c,init=/net))
$(eval $(call linked_app,memprot,check/linked/memprot.c,init=/memprot))
$(eval $(call linked_app,altstack,check/linked/altstack.c,init=/altstack))
$(eval $(call linked_app,nocalls,check/linked/nocalls.c,init=/nocalls))

linked: $(LINKED_APPS)
.PHONY: linked

CHECK_TARGETS += linked

endif # LINKED_MK_INCLUDED
