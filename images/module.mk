# Root filesystem images.
#
# build/initramfs.cpio: the default initramfs (cpio newc), made from the
# files under images/initramfs/.  Later recipes add programs.
INITRAMFS_FILES := $(shell find images/initramfs -type f 2>/dev/null)

# Device nodes every initramfs carries (Linux's numbers) and the /dev links
# KOS makes at boot (as udev does on Linux), written into the
# archive by scripts/mkcpio so building needs no mknod.
DEV_NODES := --node dev/console:0600:c:5:1 --node dev/null:0666:c:1:3 \
	--node dev/zero:0666:c:1:5 --node dev/random:0666:c:1:8 \
	--node dev/urandom:0666:c:1:9 --node dev/tty:0666:c:5:0 \
	--node dev/ptmx:0666:c:5:2 --node dev/ttyS0:0660:c:4:64 \
	--dir dev/pts:0755 \
	--link dev/fd:/proc/self/fd --link dev/stdin:/proc/self/fd/0 \
	--link dev/stdout:/proc/self/fd/1 --link dev/stderr:/proc/self/fd/2

$(BUILD)/initramfs.cpio: $(INITRAMFS_FILES) images/module.mk scripts/mkcpio | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@echo "  CPIO    $@"
	$(Q)scripts/mkcpio $@ images/initramfs $(DEV_NODES)

ALL_TARGETS += $(BUILD)/initramfs.cpio
