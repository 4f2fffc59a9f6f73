# Root filesystem images.
#
# build/initramfs.cpio: the default initramfs (cpio newc), made from the
# files under images/initramfs/.  Later recipes add programs.
INITRAMFS_FILES := $(shell find images/initramfs -type f 2>/dev/null)

$(BUILD)/initramfs.cpio: $(INITRAMFS_FILES) images/module.mk | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@echo "  CPIO    $@"
	$(Q)cd images/initramfs && find . -mindepth 1 | LC_ALL=C sort | \
		cpio --quiet -o -H newc --owner=0:0 --reproducible > $(CURDIR)/$@

ALL_TARGETS += $(BUILD)/initramfs.cpio
