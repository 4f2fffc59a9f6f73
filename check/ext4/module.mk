# The ext4 unit tests' images (scripts/mkext4-test): a source tree and
# mkfs.ext4 -d images of it, 1 KiB and 4 KiB blocks, and two small ones
# for the fuzzer.  The tests read them from EXT4_TEST_DIR and compare
# what KOS reads with the tree on the host.
EXT4_TEST_DIR := $(BUILD)/check/ext4-images
EXT4_TEST_STAMP := $(EXT4_TEST_DIR)/.stamp

$(EXT4_TEST_STAMP): scripts/mkext4-test | $(DEPS_STAMP)
	@echo "  MKEXT4  $(EXT4_TEST_DIR)"
	$(Q)scripts/mkext4-test $(EXT4_TEST_DIR) && touch $@

$(BUILD)/check/unit: $(EXT4_TEST_STAMP)
CHECK_TARGETS += $(EXT4_TEST_STAMP)
HCFLAGS_check/ext4/ += -DEXT4_TEST_DIR='"$(EXT4_TEST_DIR)"'

# The read-write fuzz's three-group images (check/ext4/mkfuzz-groups),
# from the same small tree.
EXT4_GROUPS_STAMP := $(EXT4_TEST_DIR)/.stamp-groups

$(EXT4_GROUPS_STAMP): check/ext4/mkfuzz-groups scripts/mkext4-test $(EXT4_TEST_STAMP)
	@echo "  MKEXT4  $(EXT4_TEST_DIR) (groups)"
	$(Q)check/ext4/mkfuzz-groups $(EXT4_TEST_DIR) && touch $@

$(BUILD)/check/unit: $(EXT4_GROUPS_STAMP)
CHECK_TARGETS += $(EXT4_GROUPS_STAMP)
