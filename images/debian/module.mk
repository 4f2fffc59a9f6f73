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
# (mkimage, packages, etc/; or mkext4) changes; not part of "make" or
# "make check": it needs root (or sudo) and the network to Debian's
# mirror.
DEBIAN_RECIPE := images/debian/mkimage images/debian/packages \
	$(shell find images/debian/etc -type f 2>/dev/null)
DEBIAN_TREE := $(BUILD)/images/debian
DEBIAN_IMAGE := $(BUILD)/images/debian.img

$(DEBIAN_IMAGE): $(DEBIAN_RECIPE) $(MKEXT4_DEPS) | $(DEPS_STAMP)
	@echo "  DEBIAN  $@"
	$(Q)images/debian/mkimage $(DEBIAN_TREE) $@

images-debian: $(DEBIAN_IMAGE)

.PHONY: images-debian

# make check-debian: scripts/check-debian on each of CHECK_DEBIAN_PLATFORMS,
# then the sum, "N passed, N failed" (not part of make check: the lead
# decides its time budget).  make check-debian-valgrind: the hosted
# kernel under valgrind (slower; any valgrind error fails the run).
CHECK_DEBIAN_PLATFORMS ?= hosted x86_64

check-debian: all $(DEBIAN_IMAGE)
	$(Q)p=0; f=0; for pl in $(CHECK_DEBIAN_PLATFORMS); do \
		echo "check-debian: $$pl"; \
		mkdir -p $(BUILD)/check && scripts/check-debian --platform $$pl | tee $(BUILD)/check/debian-$$pl.log; \
		l=$$(tail -n 1 $(BUILD)/check/debian-$$pl.log); \
		p=$$((p + $${l%% passed*})); \
		l=$${l#*passed, }; f=$$((f + $${l%% failed*})); \
	done; echo "$$p passed, $$f failed"; [ $$f -eq 0 ]

check-debian-valgrind: all $(DEBIAN_IMAGE)
	$(Q)scripts/check-debian --platform hosted --valgrind --timeout 3600

.PHONY: check-debian check-debian-valgrind
