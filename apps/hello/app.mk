# hello: prints a greeting, its arguments and environment, exits with the
# status -s gives (apps/hello/README.md).  See apps/module.mk.
APP_hello_SRCS := $(APP_DIR)/main.c
APP_hello_CMDLINE := init=/app/hello panic=poweroff loglevel=4 -- -s 0 world
APP_hello_MODES := process linked
