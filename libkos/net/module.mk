# libkos/net: KOS's network code and lwIP, linked into libkos.a as ONE
# relocatable object, $(BUILD)/k/libkos/net.o (docs/net.md).
#
# lwIP 2.1.3 comes from Debian's source package (scripts/fetch-lwip,
# cached in $(BUILD)/lwip/src, unmodified) and is compiled freestanding
# like the rest of libkos, with KOS's port files from libkos/net/lwip/
# (lwipopts.h, arch/cc.h, a tiny string.h/stdlib.h).  Every .c under
# libkos/net/ (the glue, net/lwip.c, and every KOS file that calls lwIP)
# is linked with lwIP's objects by ld -r, then objcopy makes every symbol
# local except the globals the KOS files themselves define (not lwIP's,
# not the glue's internal lwipk_* names), so tcp_new, pbuf_alloc,
# sys_now... never leave libkos.a (scripts/check-symbols).
LWIP_TOP := $(BUILD)/lwip
LWIP_DIR := $(LWIP_TOP)/src/src
LWIP_STAMP := $(LWIP_TOP)/VERSION

# lwIP's core, IPv4 (with ARP, DHCP, IGMP), IPv6 (ND, MLD), Ethernet.
LWIP_FILES := core/init.c core/def.c core/inet_chksum.c core/ip.c \
	core/mem.c core/memp.c core/netif.c core/pbuf.c core/raw.c \
	core/stats.c core/sys.c core/tcp.c core/tcp_in.c core/tcp_out.c \
	core/timeouts.c core/udp.c \
	core/ipv4/dhcp.c core/ipv4/etharp.c core/ipv4/icmp.c \
	core/ipv4/igmp.c core/ipv4/ip4_frag.c core/ipv4/ip4.c \
	core/ipv4/ip4_addr.c \
	core/ipv6/ethip6.c core/ipv6/icmp6.c core/ipv6/inet6.c \
	core/ipv6/ip6.c core/ipv6/ip6_addr.c core/ipv6/ip6_frag.c \
	core/ipv6/mld6.c core/ipv6/nd6.c \
	netif/ethernet.c
LWIP_OBJS := $(patsubst %.c,$(LWIP_TOP)/obj/%.o,$(LWIP_FILES))

NET_SRCS := $(sort $(shell find libkos/net -name '*.c' -print))
NET_OBJS := $(call kobj,$(NET_SRCS))
NET_OBJ := $(BUILD)/k/libkos/net.o
LIBKOS_EXTRA_OBJS += $(NET_OBJ)

# Both see lwIP's headers and KOS's lwipopts.h / arch/cc.h; only lwIP's
# own files get the libc shims.
NET_INC := -Ilibkos/net/lwip -I$(LWIP_DIR)/include
$(foreach d,$(sort $(dir $(NET_SRCS))),$(eval KCFLAGS_$(d) += $(NET_INC)))
# lwIP's sources are not KOS's: warnings its code trips, off for it only.
LWIP_CFLAGS := $(KCFLAGS) $(NET_INC) -Ilibkos/net/lwip/libc \
	-Wno-address-of-packed-member -Wno-sign-compare

$(LWIP_STAMP): | $(DEPS_STAMP)
	@echo "  FETCH   lwIP (Debian source package)"
	$(Q)KOS_BUILD=$(BUILD) scripts/fetch-lwip >/dev/null

$(LWIP_DIR)/%.c: | $(LWIP_STAMP)
	@test -f $@

$(LWIP_TOP)/obj/%.o: $(LWIP_DIR)/%.c libkos/net/lwip/lwipopts.h \
		libkos/net/lwip/arch/cc.h | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@echo "  CC      lwip/$*.c"
	$(Q)$(CC) $(LWIP_CFLAGS) $(DEPFLAGS) -c $< -o $@

$(NET_OBJS): | $(LWIP_STAMP)

# All of it in one object (the unit tests link this one, lwIP visible),
# then the globals to keep: what libkos/net/*.c define, but lwIP's port
# functions (sys_now) and the glue's lwipk_* stay inside.
NET_ALL_OBJ := $(BUILD)/k/libkos/net-all.o

$(NET_ALL_OBJ): $(LWIP_OBJS) $(NET_OBJS)
	@echo "  LD -r   $@"
	$(Q)$(LD) -r -o $@ $(LWIP_OBJS) $(NET_OBJS)

$(NET_OBJ): $(NET_ALL_OBJ) libkos/net/module.mk
	@echo "  OBJCOPY $@"
	$(Q)nm -g --defined-only $(NET_OBJS) | awk 'NF == 3 { print $$3 }' | \
		grep -Ev '^(lwipk_|sys_now$$)' | sort -u > $@.keep && \
	$(OBJCOPY) --keep-global-symbols=$@.keep $(NET_ALL_OBJ) $@
