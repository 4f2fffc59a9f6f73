# --- dynamic guest programs (check/dynamic/) ---------------------------------
# check/dynamic/dyntest.c and its shared libraries, built twice: with musl
# (loader /lib/ld-musl-x86_64.so.1) and with glibc (/lib64/ld-linux-x86-64.so.2),
# into build/guest/dyn/{musl,glibc}/, installed in the guest initramfs at
# /t/dyn/{musl,glibc}/ with the loaders and the glibc libraries they need
# (ldd's list), an /etc/ld.so.conf naming /t/dyn/glibc and the
# /etc/ld.so.cache the host's ldconfig makes of it.  bad-NAME are musl
# programs whose PT_INTERP is /t/dyn/interp-NAME, an unusable interpreter;
# execerr (static) execs them and prints the errno.  The cases are
# dyn-* in check/guest/cases.txt.  aslr is check/guest/aslr.c as a
# dynamic PIE of each kind (the aslr-* cases).
DYN_SRC := check/dynamic
DYN_OUT := $(BUILD)/guest/dyn
DYN_LIBS := dyn plug preload cached
DYN_BAD := nosuch notelf short dir noexec reloc
DYN_CFLAGS := -O2 -g -Wall -Werror -D_GNU_SOURCE
DYN_BINS := $(foreach k,musl glibc,$(addprefix $(DYN_OUT)/$(k)/,\
	$(addsuffix .so,$(addprefix lib,$(DYN_LIBS))) dyntest)) \
	$(DYN_OUT)/glibc/dyntest-cached $(DYN_OUT)/execerr \
	$(DYN_OUT)/musl/aslr $(DYN_OUT)/glibc/aslr \
	$(addprefix $(DYN_OUT)/bad-,$(DYN_BAD))
dyn_cc = $(if $(filter musl,$(1)),musl-gcc,$(CC))

define dyn_kind_rules
$(DYN_OUT)/$(1)/lib%.so: $(DYN_SRC)/lib%.c | $(DEPS_STAMP)
	@mkdir -p $$(@D)
	@echo "  DYNLIB  $$@"
	$(Q)$(call dyn_cc,$(1)) -shared -fPIC $(DYN_CFLAGS) -o $$@ $$<

$(DYN_OUT)/$(1)/dyntest: $(DYN_SRC)/dyntest.c $(DYN_OUT)/$(1)/libdyn.so
	@echo "  DYN     $$@"
	$(Q)$(call dyn_cc,$(1)) $(DYN_CFLAGS) -o $$@ $$< -L$(DYN_OUT)/$(1) \
		-ldyn -pthread -ldl


# check/guest/aslr.c as a dynamic PIE (/t/dyn/{musl,glibc}/aslr).
$(DYN_OUT)/$(1)/aslr: check/guest/aslr.c check/guest/guest.h | $(DEPS_STAMP)
	@mkdir -p $$(@D)
	@echo "  DYN     $$@"
	$(Q)$(call dyn_cc,$(1)) -fPIE -pie $(DYN_CFLAGS) -o $$@ $$<
endef
$(eval $(call dyn_kind_rules,musl))
$(eval $(call dyn_kind_rules,glibc))

$(DYN_OUT)/glibc/dyntest-cached: $(DYN_SRC)/dyntest.c $(DYN_OUT)/glibc/libdyn.so \
		$(DYN_OUT)/glibc/libcached.so
	@echo "  DYN     $@"
	$(Q)$(CC) -DCACHED $(DYN_CFLAGS) -o $@ $< -L$(DYN_OUT)/glibc \
		-ldyn -lcached -pthread -ldl

$(DYN_OUT)/execerr: $(DYN_SRC)/execerr.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(Q)musl-gcc -static $(DYN_CFLAGS) -o $@ $<

$(DYN_OUT)/bad-%: $(DYN_SRC)/hello.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(Q)musl-gcc $(DYN_CFLAGS) -o $@ $< \
		-Wl,--dynamic-linker=/t/dyn/interp-$*

# Install into the guest root $(1): programs, loaders, libraries, cache.
define dyn_install
	mkdir -p $(1)/t/dyn/musl $(1)/t/dyn/glibc $(1)/lib64 \
		$(1)/lib/x86_64-linux-gnu $(1)/t/dyn/interp-dir && \
	cp $(filter $(DYN_OUT)/musl/%,$(DYN_BINS)) $(1)/t/dyn/musl/ && \
	cp $(filter $(DYN_OUT)/glibc/%,$(DYN_BINS)) $(1)/t/dyn/glibc/ && \
	cp $(DYN_OUT)/execerr $(addprefix $(DYN_OUT)/bad-,$(DYN_BAD)) $(1)/t/dyn/ && \
	cp -L /lib/ld-musl-x86_64.so.1 $(1)/lib/ && \
	cp -L /lib64/ld-linux-x86-64.so.2 $(1)/lib64/ && \
	for l in $$(LD_LIBRARY_PATH=$(DYN_OUT)/glibc ldd $(DYN_OUT)/glibc/dyntest-cached | \
			awk '$$3 ~ /^\/lib|^\/usr/ {print $$3}'); do \
		cp -L $$l $(1)/lib/x86_64-linux-gnu/ || exit 1; done && \
	(printf 'not an ELF interpreter\n'; seq 1 40) > $(1)/t/dyn/interp-notelf && \
	printf 'short\n' > $(1)/t/dyn/interp-short && \
	cp $(DYN_OUT)/musl/libplug.so $(1)/t/dyn/interp-noexec && \
	chmod 644 $(1)/t/dyn/interp-noexec && \
	musl-gcc -c -o $(1)/t/dyn/interp-reloc $(DYN_SRC)/hello.c && \
	chmod 755 $(1)/t/dyn/interp-notelf $(1)/t/dyn/interp-short \
		$(1)/t/dyn/interp-reloc && \
	echo /t/dyn/glibc > $(1)/etc/ld.so.conf && \
	ldconfig -X -r $(1)
endef
