# Partition-table images for the blk unit tests (check/blk/check_part.c),
# made by the host's sfdisk with what sfdisk reads back from each
# (check/blk/mkimages).  The tests find them in BLK_IMAGES.
BLK_IMAGES := $(BUILD)/check/blk
HCFLAGS_check/blk/ += -DBLK_IMAGES='"$(BLK_IMAGES)"'

$(BLK_IMAGES)/.stamp: check/blk/mkimages | $(DEPS_STAMP)
	@echo "  SFDISK  $(BLK_IMAGES)"
	$(Q)check/blk/mkimages $(BLK_IMAGES) && touch $@

$(BUILD)/check/unit: | $(BLK_IMAGES)/.stamp
