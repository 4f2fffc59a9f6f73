# The BusyBox testsuite on KOS (docs/busybox-testsuite.md): BusyBox's own
# testsuite, from Debian's busybox source package (scripts/fetch-busybox-src),
# run against the very binary the guest images carry (/bin/busybox of
# Debian's busybox-static) on the host and on KOS; scripts/bbtest runs
# and compares.  The archive:
#
#   /bin/busybox              the binary (Debian's busybox-static), with
#                             every applet linked where "busybox
#                             --list-full" puts it (/bin/sh, /usr/bin/tr, ...)
#   /bb/busybox               -> /bin/busybox (the testsuite's "bindir")
#   /bb/.config               Debian's config of that binary (debian/config/pkg/static)
#   /bb/testsuite/, /bb/examples/   from the source package
#   /bb/init, /bb/run         PID 1 and the driver (check/bbtest/)
#   /bb/excluded              tests not run (check/bbtest/excluded.txt)
#   /bb/ash_test/             the shell's testsuite (shell/ash_test of the
#                             source package: ash-*/ with *.tests and
#                             *.right), its helper programs printenv,
#                             recho and zecho built static with the host's
#                             gcc, and "ash" -> /bin/busybox
#   /bb/ash-run               its driver (check/bbtest/ash-run)
BBTEST_DIR := $(BUILD)/bbtest
BBTEST_SRC := $(BUILD)/busybox-src/src
BBTEST_FILES := check/bbtest/init check/bbtest/run check/bbtest/ash-run \
	check/bbtest/excluded.txt
BBTEST_ASH_HELPERS := $(addprefix $(BBTEST_DIR)/ash-helpers/,printenv recho zecho)

$(BUILD)/busybox-src/VERSION: scripts/fetch-busybox-src | $(DEPS_STAMP)
	$(Q)KOS_BUILD=$(BUILD) scripts/fetch-busybox-src --force >/dev/null
	$(Q)touch $@

# The helpers of the shell's testsuite (GPL-2+ programs from bash's
# testsuite, shipped in BusyBox's source): built, not copied into KOS.
# recho.c declares "void strprint();" old style, hence -std=gnu89.
$(BBTEST_DIR)/ash-helpers/%: $(BUILD)/busybox-src/VERSION
	@echo "  CC      $@"
	$(Q)mkdir -p $(dir $@) && \
	gcc -std=gnu89 -O2 -static -w -o $@ $(BBTEST_SRC)/shell/ash_test/$*.c

$(BBTEST_DIR)/initramfs.cpio: $(BUILD)/busybox-src/VERSION $(BBTEST_FILES) \
		$(BBTEST_ASH_HELPERS) \
		check/bbtest/module.mk scripts/mkcpio $(INITRAMFS_FILES)
	@echo "  CPIO    $@"
	$(Q)rm -rf $(BBTEST_DIR)/root && mkdir -p $(BBTEST_DIR)/root/bin \
		$(BBTEST_DIR)/root/bb $(BBTEST_DIR)/root/proc \
		$(BBTEST_DIR)/root/tmp && \
	chmod 1777 $(BBTEST_DIR)/root/tmp && \
	cp -a images/initramfs/. $(BBTEST_DIR)/root/ && \
	cp /bin/busybox $(BBTEST_DIR)/root/bin/busybox && \
	for a in $$($(BBTEST_DIR)/root/bin/busybox --list-full); do \
		[ "$$a" = bin/busybox ] && continue; \
		mkdir -p $(BBTEST_DIR)/root/$$(dirname $$a) && \
		ln -s /bin/busybox $(BBTEST_DIR)/root/$$a || exit 1; \
	done && \
	ln -s /bin/busybox $(BBTEST_DIR)/root/bb/busybox && \
	cp $(BBTEST_SRC)/debian/config/pkg/static $(BBTEST_DIR)/root/bb/.config && \
	cp -a $(BBTEST_SRC)/testsuite $(BBTEST_SRC)/examples \
		$(BBTEST_DIR)/root/bb/ && \
	install -m 755 check/bbtest/init $(BBTEST_DIR)/root/bb/init && \
	install -m 644 check/bbtest/run $(BBTEST_DIR)/root/bb/run && \
	mkdir $(BBTEST_DIR)/root/bb/ash_test && \
	cp -a $(BBTEST_SRC)/shell/ash_test/ash-* \
		$(BBTEST_DIR)/root/bb/ash_test/ && \
	cp $(BBTEST_ASH_HELPERS) $(BBTEST_DIR)/root/bb/ash_test/ && \
	ln -s /bin/busybox $(BBTEST_DIR)/root/bb/ash_test/ash && \
	install -m 644 check/bbtest/ash-run $(BBTEST_DIR)/root/bb/ash-run && \
	cp check/bbtest/excluded.txt $(BBTEST_DIR)/root/bb/excluded && \
	scripts/mkcpio $@ $(BBTEST_DIR)/root $(DEV_NODES) \
		--node dev/full:0666:c:1:7

# The same tree as an ext4 root file system (scripts/bbtest --root-ext4
# boots a copy of it with root=/dev/vda rw): the archive's /dev nodes too,
# room for the tests' files.
$(BBTEST_DIR)/root-ext4.img: $(BBTEST_DIR)/initramfs.cpio $(MKEXT4_DEPS)
	@echo "  EXT4    $@"
	$(Q)scripts/mkext4 --root-owned --fixed-times --index-dirs -L bbtest \
		$(DEV_NODES) --node dev/full:0666:c:1:7 \
		$(BBTEST_DIR)/root $@ 256m

bbtest-build: $(BBTEST_DIR)/initramfs.cpio $(BBTEST_DIR)/root-ext4.img

.PHONY: bbtest-build

# The whole testsuite on the host and both KOS platforms, with the table.
bbtest: all $(BBTEST_DIR)/initramfs.cpio
	$(Q)scripts/bbtest --no-build --table $(BBTEST_DIR)/table.md

# The shell's testsuite (shell/ash_test) the same way, with the table;
# a test may take 300 s (many_ifs takes about 110 s in QEMU).
bbtest-ash: all $(BBTEST_DIR)/initramfs.cpio
	$(Q)scripts/bbtest --ash --no-build --test-timeout 300 \
		--table $(BBTEST_DIR)/ash-table.md

# The same two with the tree as an ext4 root (scripts/bbtest --root-ext4).
bbtest-ext4: all $(BBTEST_DIR)/initramfs.cpio $(BBTEST_DIR)/root-ext4.img
	$(Q)scripts/bbtest --root-ext4 --no-build --table $(BBTEST_DIR)/table-ext4.md

bbtest-ash-ext4: all $(BBTEST_DIR)/initramfs.cpio $(BBTEST_DIR)/root-ext4.img
	$(Q)scripts/bbtest --ash --root-ext4 --no-build --test-timeout 300 \
		--table $(BBTEST_DIR)/ash-table-ext4.md

.PHONY: bbtest-ext4 bbtest-ash-ext4

# make check runs both, without bc and ash-z_slow (scripts/run-checks),
# on the initramfs and on the ext4 root.
CHECK_TARGETS += $(BBTEST_DIR)/initramfs.cpio $(BBTEST_DIR)/root-ext4.img

.PHONY: bbtest bbtest-ash
