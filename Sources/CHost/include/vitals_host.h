#ifndef VITALS_HOST_H
#define VITALS_HOST_H

#include <stddef.h>

/// The names of the systemd units in state "failed", newline-separated into buf (truncated to
/// len), through the system bus (org.freedesktop.systemd1 ListUnitsFiltered). Returns how many
/// failed, or -errno when the bus cannot be asked; then buf holds the bus error's text.
int vitals_failed_units(char *buf, size_t len);

/// The kernel's clock discipline (adjtimex): 1 synchronised, 0 not, -errno on error; the
/// estimated maximum error in microseconds goes to *maxerror_us.
int vitals_clock_synchronized(long *maxerror_us);

#endif
