# httpd: a static-file HTTP/1.1 server (epoll, sendfile) serving /www
# (apps/httpd/README.md).  See apps/module.mk.
#
# The image's /www is apps/httpd/www plus big.bin, 4 MiB of pseudo-random
# bytes made at build time (not kept in git): build/apps/httpd/files/www.
APP_httpd_SRCS := $(APP_DIR)/main.c
APP_httpd_FILES := $(BUILD)/apps/httpd/files
APP_httpd_CMDLINE := init=/app/httpd panic=poweroff loglevel=4 -- -p 80
APP_httpd_MODES := process linked

APP_HTTPD_WWW := $(shell find $(APP_DIR)/www 2>/dev/null)

$(BUILD)/apps/httpd/files.stamp: $(APP_HTTPD_WWW) $(APP_DIR)/app.mk
	@echo "  WWW     $(BUILD)/apps/httpd/files/www"
	$(Q)rm -rf $(BUILD)/apps/httpd/files && \
	mkdir -p $(BUILD)/apps/httpd/files && \
	cp -a apps/httpd/www $(BUILD)/apps/httpd/files/www && \
	python3 -c 'import random, sys; \
		sys.stdout.buffer.write(random.Random(13).randbytes(4 << 20))' \
		> $(BUILD)/apps/httpd/files/www/big.bin && \
	touch $@

# Both modes' initramfs (apps/module.mk, apps/mode-linked.mk).
$(BUILD)/apps/httpd/initramfs.cpio \
$(BUILD)/apps/httpd/linked/initramfs.cpio: $(BUILD)/apps/httpd/files.stamp
