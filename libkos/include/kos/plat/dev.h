/*
 * Platform interface: devices.
 *
 * plat_devices_init() finds the platform's devices and registers them
 * with the core (block devices: blkdev_register).  kos_main calls it
 * once, after the scheduler, timers and interrupts are up and before
 * the root file system is built, so /dev gets a node for every disk.
 * libkos has a weak empty default for platforms without devices.
 */
#ifndef KOS_PLAT_DEV_H
#define KOS_PLAT_DEV_H

void plat_devices_init(void);

#endif
