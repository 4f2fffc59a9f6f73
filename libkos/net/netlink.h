/*
 * Netlink messages as net/netlink.c builds and parses them: a growing
 * buffer of messages with their attributes (unit-tested in check/net).
 */
#ifndef KOS_NET_NETLINK_H
#define KOS_NET_NETLINK_H

#include <kos/types.h>
#include <uapi/netlink.h>

/* Messages being built; nomem once an allocation failed. */
struct netlink_buf {
	uint8_t *p;
	size_t len, cap;
	bool nomem;
};

/*
 * Start a message: its header and a zeroed fixed part of fixed_len
 * bytes (ifinfomsg, ...), copied from fixed if not NULL.  Returns the
 * message's offset in the buffer (for netlink_msg_end).
 */
size_t netlink_msg_begin(struct netlink_buf *b, uint16_t type, uint16_t flags,
			 uint32_t seq, uint32_t pid, const void *fixed,
			 size_t fixed_len);
/* Append one attribute (padded to 4 bytes) to the current message. */
void netlink_put_attr(struct netlink_buf *b, uint16_t type, const void *data,
		      size_t len);
void netlink_put_u32(struct netlink_buf *b, uint16_t type, uint32_t v);
void netlink_put_str(struct netlink_buf *b, uint16_t type, const char *s);
/* Close the message that starts at off: sets its nlmsg_len. */
void netlink_msg_end(struct netlink_buf *b, size_t off);
void netlink_buf_free(struct netlink_buf *b);

/*
 * Index the attributes in p[0..len) by type: tb[type] for each type <=
 * max (the last one wins, as Linux); malformed trailing bytes are
 * ignored as Linux's lax parsing does.  tb has max + 1 slots.
 */
void netlink_parse_attrs(const void *p, size_t len, const struct rtattr **tb,
			 unsigned int max);
/* An attribute's payload and its length. */
static inline const void *netlink_attr_data(const struct rtattr *a)
{
	return (const uint8_t *)a + RTA_LENGTH(0);
}
static inline size_t netlink_attr_len(const struct rtattr *a)
{
	return a->rta_len - RTA_LENGTH(0);
}

/* Register AF_NETLINK (net/net.c). */
void netlink_init(void);

#endif
