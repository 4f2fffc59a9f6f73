# ctors: a test app (check/apps/README.md): constructors, destructors and
# atexit handlers run in the same order in process and linked mode as on
# Linux.  See apps/module.mk.
APP_ctors_SRCS := $(APP_DIR)/main.c $(APP_DIR)/other.c
APP_ctors_CMDLINE := init=/app/ctors panic=poweroff loglevel=4 -- one two
APP_ctors_MODES := process linked
