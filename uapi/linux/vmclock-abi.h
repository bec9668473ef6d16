/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-2-Clause) */
/*
 * The vmclock device's shared page, as far as the random epoch uses it.
 *
 * A hypervisor with a vmclock device (ACPI HID "AMZNC10C", CID "VMCLOCK";
 * QEMU 10.0, Firecracker 1.15) describes in this page how the guest's CPU
 * counter relates to real time, and changes counters in it when the guest's
 * clock is disrupted (live migration) or the guest was loaded from a
 * snapshot. Linux 6.13 added this ABI as <linux/vmclock-abi.h> with its PTP
 * driver, and Linux 7.0 the VM generation counter; 6.12 has neither. This
 * header describes the same layout (all fields little-endian), so that a
 * tree that has upstream's header drops this one and nothing else changes.
 */
#ifndef _UAPI_LINUX_VMCLOCK_ABI_H
#define _UAPI_LINUX_VMCLOCK_ABI_H

#include <linux/types.h>

#define VMCLOCK_MAGIC			0x4b4c4356	/* "VCLK" */

/* Bit in @flags: @vm_generation_counter changes on every snapshot load. */
#define VMCLOCK_FLAG_VM_GEN_COUNTER_PRESENT	(1ULL << 8)

/**
 * struct vmclock_abi - the vmclock page (its first 112 bytes)
 * @magic:		%VMCLOCK_MAGIC
 * @size:		size of the region holding the structure (a page)
 * @version:		1
 * @counter_id:		the CPU counter the clock fields refer to
 * @time_type:		UTC, TAI or monotonic
 * @seq_count:		odd while the hypervisor updates the fields below
 * @disruption_marker:	changes when the CPU counter was disrupted (live
 *			migration, snapshot load)
 * @flags:		VMCLOCK_FLAG_*
 * @pad:		reserved
 * @clock_status:	synchronised, free-running, ...
 * @leap_second_smearing_hint: how a guest should smear, if it does
 * @tai_offset_sec:	TAI - UTC, two's complement
 * @leap_indicator:	an upcoming or recent leap second
 * @counter_period_shift: shift of the period fields
 * @counter_value:	the CPU counter at @time_sec/@time_frac_sec
 * @counter_period_frac_sec: the counter's period
 * @counter_period_esterror_rate_frac_sec: its estimated error
 * @counter_period_maxerror_rate_frac_sec: its maximum error
 * @time_sec:		the time at @counter_value, seconds
 * @time_frac_sec:	and 1/2^64 seconds
 * @time_esterror_nanosec: its estimated error
 * @time_maxerror_nanosec: its maximum error
 * @vm_generation_counter: with %VMCLOCK_FLAG_VM_GEN_COUNTER_PRESENT,
 *			changes every time the guest is loaded from a snapshot
 */
struct vmclock_abi {
	__le32 magic;
	__le32 size;
	__le16 version;
	__u8 counter_id;
	__u8 time_type;
	__le32 seq_count;
	__le64 disruption_marker;
	__le64 flags;
	__u8 pad[2];
	__u8 clock_status;
	__u8 leap_second_smearing_hint;
	__le16 tai_offset_sec;
	__u8 leap_indicator;
	__u8 counter_period_shift;
	__le64 counter_value;
	__le64 counter_period_frac_sec;
	__le64 counter_period_esterror_rate_frac_sec;
	__le64 counter_period_maxerror_rate_frac_sec;
	__le64 time_sec;
	__le64 time_frac_sec;
	__le64 time_esterror_nanosec;
	__le64 time_maxerror_nanosec;
	__le64 vm_generation_counter;
};

#endif /* _UAPI_LINUX_VMCLOCK_ABI_H */
