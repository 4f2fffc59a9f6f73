# The Debian 12 root file system (docs/debian.md): make images-debian,
# make run IMAGE=debian [PLATFORM=hosted].
#
#   build/images/debian.img   ext4, Debian's minbase plus
#       images/debian/packages, installed by mmdebstrap from Debian's
#       mirror, with images/debian/etc/ over its /etc (BusyBox init, a
#       root bash on the console), the tree's size plus 512 MiB free
#   build/images/debian/      the tree it was made from (root's files:
#       scripts/check-debian's host side chroots into a copy of it)
#
# Built once per build directory, again only when a file of the recipe
# (or mkext4) changes; not part of "make" or "make check": it needs root
# (or sudo) and the network to Debian's mirror.
DEBIAN_RECIPE := $(shell find images/debian -type f 2>/dev/null)
DEBIAN_TREE := $(BUILD)/images/debian
DEBIAN_IMAGE := $(BUILD)/images/debian.img

$(DEBIAN_IMAGE): $(DEBIAN_RECIPE) $(MKEXT4_DEPS) | $(DEPS_STAMP)
	@echo "  DEBIAN  $@"
	$(Q)images/debian/mkimage $(DEBIAN_TREE) $@

images-debian: $(DEBIAN_IMAGE)

.PHONY: images-debian
