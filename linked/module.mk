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
# program check/linked/hello.c is the first.  The program's code follows
# musl's flags (scripts/build-musl): no red zone, PIE, no stack protector.
MUSL_SYSROOT := $(BUILD)/musl/sysroot
MUSL_LIBC := $(MUSL_SYSROOT)/lib/libc.a
LINKED_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -nostdinc \
	-isystem $(MUSL_SYSROOT)/include -isystem $(GCC_INC) \
	-fPIE -mno-red-zone -fno-stack-protector \
	-fno-asynchronous-unwind-tables -fno-unwind-tables
LIBGCC := $(shell $(CC) -print-libgcc-file-name)
# What libkos calls in the program's object; everything else goes local.
# The object may need only kos_linked_* and what the linker itself
# defines: _GLOBAL_OFFSET_TABLE_, and _DYNAMIC, a weak reference in musl's
# __init_tls that is read only with an AT_PHDR, which linked mode does
# not pass.
LINKED_KEEP := kos_linked_app_start kos_linked_app_present

$(MUSL_LIBC): scripts/build-musl scripts/fetch-musl \
		$(shell find linked/musl -type f) | $(DEPS_STAMP)
	@echo "  MUSL    $(MUSL_SYSROOT)"
	$(Q)KOS_BUILD=$(BUILD) scripts/build-musl >/dev/null

$(BUILD)/linked/obj/%.o: %.c $(MUSL_LIBC)
	@mkdir -p $(@D)
	@echo "  LINKCC  $<"
	$(Q)$(CC) $(LINKED_CFLAGS) $(DEPFLAGS) -c $< -o $@

# $(call linked_app,NAME,SOURCES,CMDLINE)
define linked_app
$(BUILD)/linked/$(1).o: $(patsubst %.c,$(BUILD)/linked/obj/%.o,$(2) \
		linked/start.c) $(MUSL_LIBC)
	@echo "  LD -r   $$@"
	$(Q)$(LD) -r -o $$@.all $$(filter %.o,$$^) \
		--start-group $(MUSL_LIBC) $(LIBGCC) --end-group
	$(Q)if readelf -SW $$@.all | grep -qE '\.(init|fini|preinit)_array'; \
		then echo "linked: $(1) has constructors or destructors" \
		"(not supported yet)" >&2; exit 1; fi
	$(Q)bad=$$$$(nm -u $$@.all | awk '{ print $$$$2 }' | \
		grep -Ev '^(kos_linked_.*|_GLOBAL_OFFSET_TABLE_|_DYNAMIC)$$$$'); if [ -n "$$$$bad" ]; then \
		echo "linked: $(1) needs undefined symbols: $$$$bad" >&2; \
		exit 1; fi
	$(Q)$(OBJCOPY) $(addprefix -G ,$(LINKED_KEEP)) $$@.all $$@

$(BUILD)/linked/$(1)-hosted: $(HOSTED_OBJS) $(BUILD)/linked/$(1).o \
		$(BUILD)/libkos.a
	@echo "  LINK    $$@"
	$(Q)$(CC) -o $$@ $(HOSTED_OBJS) $(BUILD)/linked/$(1).o \
		$(BUILD)/libkos.a -lslirp

$(BUILD)/linked/$(1)-kernel.elf: $$(X86_KERNEL_OBJS) \
		$(BUILD)/linked/$(1).o $(BUILD)/libkos.a $(X86_KERNEL_LDS)
	@echo "  LD      $$@"
	$(Q)$(LD) -static -nostdlib -z max-page-size=4096 -z noexecstack \
		--build-id=none -T $(X86_KERNEL_LDS) -o $$@ \
		$$(X86_KERNEL_OBJS) $(BUILD)/linked/$(1).o \
		--start-group $(BUILD)/libkos.a --end-group

# The .efi carries the kernel without DWARF and .eh_frame, as apps/'
# images do (gdb reads NAME-kernel.elf).
$(BUILD)/linked/$(1)-kernel-strip.elf: $(BUILD)/linked/$(1)-kernel.elf
	@echo "  STRIP   $$@"
	$(Q)$(OBJCOPY) --strip-debug --remove-section=.eh_frame $$< $$@

$$(eval $$(call x86_efi_image,$(BUILD)/linked/$(1).efi,$(BUILD)/linked/$(1)-kernel-strip.elf,,$(3)))

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

linked: $(LINKED_APPS)
.PHONY: linked

CHECK_TARGETS += linked
