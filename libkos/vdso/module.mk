# The vDSO image (kos/vdso.h): libkos/vdso/user/ is built as a small ELF
# shared object, $(BUILD)/vdso/vdso.so, which libkos/vdso/image.S includes
# whole into libkos.a.  It is user code: position independent, ordinary
# (non-kernel) code generation, no libc; the linker script puts it all in
# one R+X segment with Linux's soname and symbol version, and
# scripts/check-vdso refuses an image that needs relocations, has
# writable data, misses a symbol or outgrows its pages.

VDSO_DIR := $(BUILD)/vdso
VDSO_CFLAGS := -std=gnu11 -O2 -g $(WARN) -ffreestanding -nostdinc \
	-isystem $(GCC_INC) -Ilibkos/include -fPIC -fvisibility=hidden \
	-fno-stack-protector -fno-common -fno-strict-aliasing -fno-plt \
	-fasynchronous-unwind-tables -fno-omit-frame-pointer
VDSO_LDFLAGS := -shared -nostdlib -soname=linux-vdso.so.1 \
	--hash-style=both --eh-frame-hdr -Bsymbolic --no-undefined \
	-z max-page-size=4096 -z noexecstack --build-id=none

$(VDSO_DIR)/vclock.o: libkos/vdso/user/vclock.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@echo "  VDSOCC  $<"
	$(Q)$(CC) $(VDSO_CFLAGS) $(DEPFLAGS) -c $< -o $@

$(VDSO_DIR)/vdso.lds: libkos/vdso/user/vdso.lds.S libkos/include/kos/vdso.h
	@mkdir -p $(@D)
	$(Q)$(CC) -E -P -x assembler-with-cpp -Ilibkos/include $< -o $@

# Linked with debug information (vdso.dbg, for gdb), then stripped.
$(VDSO_DIR)/vdso.dbg: $(VDSO_DIR)/vclock.o $(VDSO_DIR)/vdso.lds
	@echo "  VDSOLD  $@"
	$(Q)$(LD) $(VDSO_LDFLAGS) -T $(VDSO_DIR)/vdso.lds -o $@ $<

$(VDSO_DIR)/vdso.so: $(VDSO_DIR)/vdso.dbg scripts/check-vdso
	$(Q)$(OBJCOPY) -S $< $@.tmp && scripts/check-vdso $@.tmp && mv $@.tmp $@

# image.S includes the image; make cannot see .incbin, so say it here.
KCFLAGS_libkos/vdso/ += -DKOS_VDSO_IMAGE='"$(VDSO_DIR)/vdso.so"'
$(BUILD)/k/libkos/vdso/image.o: $(VDSO_DIR)/vdso.so
