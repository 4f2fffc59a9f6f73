# files: a test app (check/apps/README.md): APP_NAME_FILES reach the
# image's / in both modes.  See apps/module.mk.
APP_files_SRCS := $(APP_DIR)/main.c
APP_files_FILES := $(APP_DIR)/files
APP_files_CMDLINE := init=/app/files panic=poweroff loglevel=4 -- /srv/greeting /srv/data/lines.txt
APP_files_MODES := process linked
