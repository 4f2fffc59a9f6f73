# Unit tests of the network stack (check/net/check_net.c) use lwIP's raw
# API and the stack's private header: lwIP's headers and KOS's port files.
HCFLAGS_check/net/ += -Ilibkos/net -Ilibkos/net/lwip -I$(LWIP_DIR)/include

$(call hobj,$(wildcard check/net/*.c)): | $(LWIP_STAMP)
