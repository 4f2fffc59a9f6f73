# Root file system images.
#
#   images/initramfs/   the tree every initramfs starts from (the test
#                       images of check/ copy it too)
#   images/default/     what the default system image adds to it
#
# build/images/default.cpio, the default system image: what "make run"
# boots on both platforms, with init=/sbin/init (BOOTX64.EFI embeds both;
# scripts/kos-run passes them to the hosted kernel).  The base tree,
# images/default/ (inittab, rc scripts, passwd, profile, ...), the usual
# directories, and /bin/busybox of Debian's busybox-static with every
# applet linked where "busybox --list-full" puts it (/sbin/init, /bin/sh,
# /sbin/poweroff, ...).
INITRAMFS_FILES := $(shell find images/initramfs -type f 2>/dev/null)
DEFAULT_IMAGE_FILES := $(shell find images/default -type f 2>/dev/null)
DEFAULT_IMAGE := $(BUILD)/images/default.cpio
DEFAULT_IMAGE_CMDLINE := init=/sbin/init

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

# /bin/busybox comes with busybox-static (scripts/install-deps).
/bin/busybox: | $(DEPS_STAMP)

$(DEFAULT_IMAGE): $(INITRAMFS_FILES) $(DEFAULT_IMAGE_FILES) /bin/busybox \
		images/module.mk scripts/mkcpio | $(DEPS_STAMP)
	@echo "  CPIO    $@"
	$(Q)r=$(BUILD)/images/default && rm -rf $$r && mkdir -p $$r && \
	cp -a images/initramfs/. images/default/. $$r/ && \
	mkdir -p $$r/bin $$r/sbin $$r/usr/bin $$r/usr/sbin $$r/dev \
		$$r/proc $$r/sys $$r/run $$r/tmp $$r/root $$r/mnt && \
	chmod 1777 $$r/tmp && chmod 700 $$r/root && \
	chmod 640 $$r/etc/shadow && \
	cp /bin/busybox $$r/bin/busybox && \
	for a in $$($$r/bin/busybox --list-full); do \
		[ "$$a" = bin/busybox ] && continue; \
		mkdir -p $$r/$$(dirname $$a) && \
		ln -s /bin/busybox $$r/$$a || exit 1; \
	done && \
	scripts/mkcpio $@ $$r $(DEV_NODES)

ALL_TARGETS += $(DEFAULT_IMAGE)

include images/ext4/module.mk
include images/debian/module.mk
