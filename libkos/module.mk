# libkos: every .c/.S under libkos/ (except include/) goes into libkos.a.
# Subsystem folders need no fragment of their own; adding a file is enough.
LIBKOS_SRCS += $(sort $(shell find libkos -path libkos/include -prune -o \
	\( -name '*.c' -o -name '*.S' \) -print))
