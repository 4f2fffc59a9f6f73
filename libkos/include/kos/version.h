#ifndef KOS_VERSION_H
#define KOS_VERSION_H

#define KOS_VERSION "0.1.0"
/* What uname(2) will report as the release (Linux-shaped). */
#define KOS_UNAME_RELEASE "6.1.0-kos"

#endif
