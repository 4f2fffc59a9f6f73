# KOS — one non-recursive GNU make.  Each folder contributes a module.mk
# fragment that appends sources to the variables below; this file owns the
# compile rules, so every object is built one way per flavour.
#
#   make            libkos.a, the UEFI image and the hosted kernel
#   make check      unit tests, symbol check, self-test boots (see README)
#   make run        boot the default system image (BusyBox init and a shell)
#                   in QEMU/OVMF (PLATFORM=hosted too)
#   make debug      boot waiting for gdb and print the gdb command line
#   make bbtest     BusyBox's testsuite on the host and KOS (docs/busybox-testsuite.md)

.DEFAULT_GOAL := all
MAKEFLAGS += --no-builtin-rules
SHELL := /bin/bash

BUILD ?= build
PLATFORM ?= x86_64
DEBUG ?= 1
V ?= 0
ifeq ($(V),0)
Q := @
else
Q :=
endif

CC := gcc
LD := ld
AR := ar
OBJCOPY := objcopy

# Missing tools are installed on demand (see scripts/install-deps).
DEPS_STAMP := $(BUILD)/.deps-ok
$(DEPS_STAMP): scripts/install-deps
	$(Q)scripts/install-deps
	$(Q)mkdir -p $(@D) && touch $@

GCC_INC := $(shell $(CC) -print-file-name=include)

WARN := -Wall -Wextra -Werror -Wno-unused-parameter
DEPFLAGS = -MMD -MP

# libkos and the bare-metal kernel side: freestanding, no host headers, no
# SSE (interrupts do not save it), frame pointers for backtraces, PIE code so
# the one libkos.a links both into the upper-half kernel and the hosted PIE.
KCFLAGS := -std=gnu11 -O2 -g $(WARN) -ffreestanding -nostdinc \
	-isystem $(GCC_INC) -Ilibkos/include -fPIE -mno-red-zone \
	-mgeneral-regs-only -fno-stack-protector -fno-omit-frame-pointer \
	-fno-strict-aliasing -fno-common -DKOS_DEBUG=$(DEBUG)

# Host-side code (hosted platform, unit tests): ordinary glibc programs.
HCFLAGS := -std=gnu11 -O2 -g $(WARN) -fno-omit-frame-pointer \
	-Ilibkos/include -DKOS_DEBUG=$(DEBUG) -D_GNU_SOURCE

# Object paths per flavour: k = freestanding kernel, h = host.
kobj = $(patsubst %,$(BUILD)/k/%.o,$(basename $(1)))
hobj = $(patsubst %,$(BUILD)/h/%.o,$(basename $(1)))

LIBKOS_SRCS :=
LIBKOS_EXTRA_OBJS :=
X86_KERNEL_SRCS :=
X86_STUB_SRCS :=
HOSTED_SRCS :=
CHECK_SRCS :=
ALL_TARGETS :=
CHECK_TARGETS :=

include libkos/module.mk
include images/module.mk
include platform/x86_64/module.mk
include platform/hosted/module.mk
include apps/module.mk
include check/module.mk
include scripts/module.mk
include check/contract/module.mk
include check/bench/module.mk
include check/bbtest/module.mk
include linked/module.mk

# --- compile rules, one per flavour -------------------------------------

$(BUILD)/k/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(KCFLAGS) $(KCFLAGS_$(dir $<)) $(DEPFLAGS) -c $< -o $@

$(BUILD)/k/%.o: %.S | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@echo "  AS      $<"
	$(Q)$(CC) $(KCFLAGS) $(KCFLAGS_$(dir $<)) -D__ASSEMBLY__ $(DEPFLAGS) -c $< -o $@

$(BUILD)/h/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@echo "  HOSTCC  $<"
	$(Q)$(CC) $(HCFLAGS) $(HCFLAGS_$(dir $<)) $(DEPFLAGS) -c $< -o $@

$(BUILD)/h/%.o: %.S | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@echo "  HOSTAS  $<"
	$(Q)$(CC) $(HCFLAGS) $(HCFLAGS_$(dir $<)) -D__ASSEMBLY__ $(DEPFLAGS) -c $< -o $@

LIBKOS_OBJS := $(call kobj,$(LIBKOS_SRCS)) $(LIBKOS_EXTRA_OBJS)

$(BUILD)/libkos.a: $(LIBKOS_OBJS)
	@echo "  AR      $@"
	$(Q)rm -f $@ && $(AR) rcs $@ $^

all: $(BUILD)/libkos.a $(ALL_TARGETS)

# make check: the suites of scripts/run-checks, each its own target so
# that make -j2 check runs them side by side (longest first: make starts
# them in this order as job slots free up), then the summary with every
# failure in full and the "N passed, N failed" line.
CHECK_SUITES := x86_64 hosted valgrind valgrind-fs static
CHECK_SUITE_TARGETS := $(addprefix check-suite-,$(CHECK_SUITES))

$(CHECK_SUITE_TARGETS): check-suite-%: all $(CHECK_TARGETS) check-linux-ref
	$(Q)scripts/run-checks --suite $*

# Debian's kernel, the reference several suites' steps boot in QEMU
# (scripts/fetch-linux; cached), fetched before any suite starts: the
# steps that only compare with a reference made earlier (check-ext4-rw)
# must not depend on the order in which the suites run.
check-linux-ref:
	$(Q)scripts/fetch-linux >/dev/null || \
		echo "make check: scripts/fetch-linux failed: no Linux reference"

check: $(CHECK_SUITE_TARGETS)
	$(Q)scripts/run-checks --summary $(CHECK_SUITES)

format:
	$(Q)clang-format -i $$(git ls-files '*.c' '*.h')

format-check:
	$(Q)scripts/check-format

clean:
	rm -rf $(BUILD)

# Keep intermediate files (guest objects): no "rm" after make check's
# summary line, and no rebuilds.
.SECONDARY:

.PHONY: all check run debug clean format format-check bench \
	$(CHECK_SUITE_TARGETS) check-linux-ref

# (not in the BusyBox source tree and test image, which have *.d files
# of their own, nor in the Debian image's trees)
-include $(shell find $(BUILD) \( -path $(BUILD)/busybox-src -o \
	-path $(BUILD)/bbtest -o -path $(BUILD)/images/debian -o \
	-path $(BUILD)/check/debian \) -prune -o -name '*.d' -type f -print \
	2>/dev/null)
