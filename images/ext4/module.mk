# ext4 images (make images-ext4), built with scripts/mkext4 (mke2fs -d:
# no root, no loop mount), reproducible byte for byte.  make run ROOT=ext4
# and tty-session --root-ext4 boot a copy of default-ext4.img; the tests
# of issue 11 use the others (docs/ext4-testing.md).
# --fixed-times: the images do not depend on when their trees were made.
#
#   build/images/default-ext4.img   the default BusyBox system (the tree
#       build/images/default.cpio is made from, with the same /dev nodes)
#       as an ext4 root file system, 128 MiB, label kos-root
#   build/images/ext4/empty-4k.img  empty, 64 MiB, 4 KiB blocks
#   build/images/ext4/empty-1k.img  empty, 16 MiB, 1 KiB blocks
#   build/images/ext4/populated-4k.img, populated-1k.img
#       images/ext4/mktree's tree (sparse files, a 3000-name hash-tree
#       directory, short and long symlinks, hard links, a FIFO, odd modes
#       and owners, xattrs, a 30-deep chain, an fsrand workload's
#       result), 64 MiB with 4 KiB blocks and 32 MiB with 1 KiB blocks
#   build/images/ext4/fuzz-src.img, fuzz-src-nocsum.img
#       the small tree (mktree --small), 4 MiB, 1 KiB blocks, with and
#       without metadata_csum: what scripts/ext4-fuzz-images corrupts
#   build/images/ext4/fuzz/         EXT4_FUZZ_N (50) corrupted copies
#       of those for seed EXT4_FUZZ_SEED (1), and the list of flips
#
# All with Debian 12's mkfs.ext4 features (64bit, metadata_csum,
# flex_bg, extents, dir_nlink, extra_isize, has_journal, ...) and
# directories of more than one block indexed (--index-dirs).
EXT4_DIR := $(BUILD)/images/ext4
EXT4_DEFAULT_IMAGE := $(BUILD)/images/default-ext4.img
EXT4_FUZZ_SEED ?= 1
EXT4_FUZZ_N ?= 50
MKEXT4_DEPS := scripts/mkext4 scripts/ext4lib.py images/ext4/module.mk

# the tree the default image's recipe leaves in build/images/default
$(EXT4_DEFAULT_IMAGE): $(DEFAULT_IMAGE) $(MKEXT4_DEPS)
	@echo "  EXT4    $@"
	$(Q)scripts/mkext4 --root-owned --fixed-times --index-dirs -L kos-root \
		$(DEV_NODES) $(BUILD)/images/default $@ 128m

$(EXT4_DIR)/empty-4k.img: $(MKEXT4_DEPS) | $(DEPS_STAMP)
	@echo "  EXT4    $@"
	$(Q)scripts/mkext4 -b 4096 -L empty-4k - $@ 64m

$(EXT4_DIR)/empty-1k.img: $(MKEXT4_DEPS) | $(DEPS_STAMP)
	@echo "  EXT4    $@"
	$(Q)scripts/mkext4 -b 1024 -L empty-1k - $@ 16m

# mktree's trees (the stamp stands for the directory); fsrand by its path:
# check/fsrand/module.mk is read after this file
$(EXT4_DIR)/tree.stamp: images/ext4/mktree $(BUILD)/guest/fsrand
	@echo "  TREE    $(EXT4_DIR)/tree"
	$(Q)rm -rf $(EXT4_DIR)/tree && mkdir -p $(EXT4_DIR) && \
	images/ext4/mktree --fsrand $(BUILD)/guest/fsrand $(EXT4_DIR)/tree && touch $@

$(EXT4_DIR)/tree-small.stamp: images/ext4/mktree $(BUILD)/guest/fsrand
	@echo "  TREE    $(EXT4_DIR)/tree-small"
	$(Q)rm -rf $(EXT4_DIR)/tree-small && mkdir -p $(EXT4_DIR) && \
	images/ext4/mktree --small --fsrand $(BUILD)/guest/fsrand \
		$(EXT4_DIR)/tree-small && touch $@

$(EXT4_DIR)/populated-4k.img: $(EXT4_DIR)/tree.stamp $(MKEXT4_DEPS)
	@echo "  EXT4    $@"
	$(Q)scripts/mkext4 --fixed-times --index-dirs -b 4096 -N 8192 -L populated-4k \
		$(EXT4_DIR)/tree $@ 64m

$(EXT4_DIR)/populated-1k.img: $(EXT4_DIR)/tree.stamp $(MKEXT4_DEPS)
	@echo "  EXT4    $@"
	$(Q)scripts/mkext4 --fixed-times --index-dirs -b 1024 -N 8192 -L populated-1k \
		$(EXT4_DIR)/tree $@ 32m

$(EXT4_DIR)/fuzz-src.img: $(EXT4_DIR)/tree-small.stamp $(MKEXT4_DEPS)
	@echo "  EXT4    $@"
	$(Q)scripts/mkext4 --fixed-times --index-dirs -b 1024 -N 1024 -L fuzz \
		$(EXT4_DIR)/tree-small $@ 4m

$(EXT4_DIR)/fuzz-src-nocsum.img: $(EXT4_DIR)/tree-small.stamp $(MKEXT4_DEPS)
	@echo "  EXT4    $@"
	$(Q)scripts/mkext4 --fixed-times --index-dirs -b 1024 -N 1024 -L fuzz-nocsum \
		-O ^metadata_csum $(EXT4_DIR)/tree-small $@ 4m

$(EXT4_DIR)/fuzz/fuzz-$(EXT4_FUZZ_SEED).txt: $(EXT4_DIR)/fuzz-src.img \
		$(EXT4_DIR)/fuzz-src-nocsum.img scripts/ext4-fuzz-images
	@echo "  FUZZ    $(EXT4_DIR)/fuzz ($(EXT4_FUZZ_N) images, seed $(EXT4_FUZZ_SEED))"
	$(Q)rm -rf $(EXT4_DIR)/fuzz && scripts/ext4-fuzz-images \
		--from $(EXT4_DIR)/fuzz-src.img \
		--from $(EXT4_DIR)/fuzz-src-nocsum.img \
		$(EXT4_FUZZ_SEED) $(EXT4_FUZZ_N) $(EXT4_DIR)/fuzz >/dev/null

EXT4_IMAGES := $(EXT4_DEFAULT_IMAGE) $(EXT4_DIR)/empty-4k.img \
	$(EXT4_DIR)/empty-1k.img $(EXT4_DIR)/populated-4k.img \
	$(EXT4_DIR)/populated-1k.img $(EXT4_DIR)/fuzz-src.img \
	$(EXT4_DIR)/fuzz-src-nocsum.img \
	$(EXT4_DIR)/fuzz/fuzz-$(EXT4_FUZZ_SEED).txt

images-ext4: $(EXT4_IMAGES)

# make check's fsrand steps read the populated and fuzzed images.
CHECK_TARGETS += $(EXT4_IMAGES)

.PHONY: images-ext4
