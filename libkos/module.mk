# libkos: every .c/.S under libkos/ (except include/) goes into libkos.a.
# Subsystem folders need no fragment of their own; adding a file is enough.
# libkos/vdso/user/ is user code, the vDSO image (libkos/vdso/module.mk);
# libkos/net/ goes in as one object with lwIP inside (libkos/net/module.mk).
LIBKOS_SRCS += $(sort $(shell find libkos -path libkos/include -prune -o \
	-path libkos/vdso/user -prune -o -path libkos/net -prune -o \
	\( -name '*.c' -o -name '*.S' \) -print))

include libkos/vdso/module.mk
include libkos/net/module.mk
