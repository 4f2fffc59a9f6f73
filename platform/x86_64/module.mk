# platform/x86_64: the bare-metal kernel and the UEFI stub that boots it.
#
#   $(BUILD)/x86_64/kernel.elf   platform/x86_64/kernel/*.{c,S} (flavour k)
#                                + libkos.a, linked by kernel/kernel.ld
#   $(BUILD)/x86_64/BOOTX64.EFI  gnu-efi stub (platform/x86_64/efi) with the
#                                kernel ELF, the initramfs and a default
#                                command line embedded: one bootable file
#
# Variables (command line or environment):
#   X86_KERNEL_ELF  kernel embedded in BOOTX64.EFI (default: the one built here)
#   X86_INITRD      initramfs embedded in BOOTX64.EFI (default: the
#                   default system image, $(BUILD)/images/default.cpio)
#   X86_CMDLINE     default kernel command line embedded in BOOTX64.EFI
#                   (default: the system image's, init=/sbin/init)
#
# Other images (apps/) call $(eval $(call x86_efi_image,OUT.EFI,KERNEL,
# INITRD,CMDLINE)) to get their own one-file image from the same stub.
# See docs/boot-x86_64.md.

# --- the kernel ---------------------------------------------------------
X86_KERNEL_SRCS += $(sort $(shell find platform/x86_64/kernel \
	\( -name '*.c' -o -name '*.S' \) 2>/dev/null))
X86_KERNEL_OBJS = $(patsubst %,$(BUILD)/k/%.o,$(basename $(X86_KERNEL_SRCS)))
X86_KERNEL_LDS := platform/x86_64/kernel/kernel.ld

$(BUILD)/x86_64/kernel.elf: $(X86_KERNEL_OBJS) $(BUILD)/libkos.a \
		$(X86_KERNEL_LDS)
	@mkdir -p $(@D)
	@echo "  LD      $@"
	$(Q)$(LD) -static -nostdlib -z max-page-size=4096 -z noexecstack \
		--build-id=none -T $(X86_KERNEL_LDS) -o $@ \
		$(X86_KERNEL_OBJS) --start-group $(BUILD)/libkos.a --end-group

# --- the UEFI stub (gnu-efi) --------------------------------------------
EFI_INC := /usr/include/efi
EFI_CRT0 := /usr/lib/crt0-efi-x86_64.o
EFI_LDS := /usr/lib/elf_x86_64_efi.lds
EFI_LIBS := /usr/lib/libefi.a /usr/lib/libgnuefi.a
# gnu-efi's files appear when scripts/install-deps has run (fresh machine).
$(EFI_CRT0) $(EFI_LDS) $(EFI_LIBS): | $(DEPS_STAMP)

# gnu-efi's headers with ms_abi function pointers (no call wrappers);
# position-independent (the PE loader relocates), no red zone, no SSE.
EFI_CFLAGS := -std=gnu11 -O2 -g $(WARN) -ffreestanding -fpic -fshort-wchar \
	-mno-red-zone -mgeneral-regs-only -maccumulate-outgoing-args \
	-fno-stack-protector -fno-strict-aliasing -fno-common \
	-fno-asynchronous-unwind-tables -fno-unwind-tables \
	-DGNU_EFI_USE_MS_ABI -isystem $(EFI_INC) -isystem $(EFI_INC)/x86_64 \
	-Ilibkos/include

X86_STUB_SRCS += $(sort $(wildcard platform/x86_64/efi/*.c))
X86_STUB_OBJS = $(patsubst %.c,$(BUILD)/efi/%.o,$(X86_STUB_SRCS))

$(BUILD)/efi/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@echo "  EFICC   $<"
	$(Q)$(CC) $(EFI_CFLAGS) $(DEPFLAGS) -c $< -o $@

$(BUILD)/x86_64/empty:
	@mkdir -p $(@D)
	$(Q): > $@

X86_FORCE:
.PHONY: X86_FORCE

# $(call x86_efi_image,OUT,KERNEL_ELF,INITRD,CMDLINE): one-file image OUT
# (a .EFI path) holding KERNEL_ELF, INITRD (a file or empty for none) and
# the default command line CMDLINE.  Intermediate files sit beside OUT.
define x86_efi_image
$(basename $(1)).cmdline: X86_FORCE
	@mkdir -p $$(@D)
	$(Q)printf '%s' '$(subst ','\'',$(4))' > $$@.tmp; \
		cmp -s $$@.tmp $$@ || mv $$@.tmp $$@; rm -f $$@.tmp

$(basename $(1)).payload.o: platform/x86_64/efi/payload.S $(2) \
		$(or $(3),$(BUILD)/x86_64/empty) $(basename $(1)).cmdline
	@mkdir -p $$(@D)
	@echo "  EFIAS   $$@"
	$(Q)$(CC) $(EFI_CFLAGS) -D__ASSEMBLY__ \
		-DKOS_PAYLOAD_KERNEL='"$(2)"' \
		-DKOS_PAYLOAD_INITRD='"$(or $(3),$(BUILD)/x86_64/empty)"' \
		-DKOS_PAYLOAD_CMDLINE='"$(basename $(1)).cmdline"' \
		-c $$< -o $$@

$(basename $(1)).so: $(X86_STUB_OBJS) $(basename $(1)).payload.o \
		$(EFI_LDS)
	@echo "  EFILD   $$@"
	$(Q)$(LD) -nostdlib -znocombreloc -shared -Bsymbolic --no-undefined \
		-z noexecstack --no-warn-rwx-segments -T $(EFI_LDS) -o $$@ \
		$(EFI_CRT0) $(X86_STUB_OBJS) $(basename $(1)).payload.o \
		$(EFI_LIBS)

$(1): $(basename $(1)).so
	@echo "  EFI     $$@"
	$(Q)$(OBJCOPY) -j .text -j .sdata -j .data -j .dynamic -j .dynsym \
		-j .rel -j .rela -j '.rel.*' -j '.rela.*' -j .reloc \
		--target efi-app-x86_64 --subsystem=10 $$< $$@
endef

X86_KERNEL_ELF ?= $(BUILD)/x86_64/kernel.elf
X86_INITRD ?= $(DEFAULT_IMAGE)
X86_CMDLINE ?= $(DEFAULT_IMAGE_CMDLINE)

$(eval $(call x86_efi_image,$(BUILD)/x86_64/BOOTX64.EFI,$(X86_KERNEL_ELF),$(X86_INITRD),$(X86_CMDLINE)))

ALL_TARGETS += $(BUILD)/x86_64/kernel.elf $(BUILD)/x86_64/BOOTX64.EFI
