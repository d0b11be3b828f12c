#!/usr/bin/env python3
"""Compares vitals' /v1/status (JSON on stdin) with psutil and procps on the same machine.

Exits 1 and prints every mismatch when a figure is outside its stated tolerance.
Tolerances: memory used 2 points (it moves between the two reads), disk used 0.5 points,
swap used 2 points, CPU count exact, load averages 0.5, file handles allocated 10 %.
"""
import json
import sys

import psutil

doc = json.load(sys.stdin)
snap = doc["snapshot"]
errors = []


def close(name, ours, theirs, tol):
    if abs(ours - theirs) > tol:
        errors.append(f"{name}: vitals {ours:.3f} vs independent {theirs:.3f} (tolerance {tol})")
    else:
        print(f"ok {name}: vitals {ours:.3f} vs {theirs:.3f}")


vm = psutil.virtual_memory()
close("memory used %", snap["memory"]["used_percent"], (vm.total - vm.available) / vm.total * 100, 2.0)
close("memory total bytes", snap["memory"]["total_bytes"], vm.total, 0)
sw = psutil.swap_memory()
if sw.total == 0:
    if "not_applicable" not in snap["memory"]["swap_used_percent"]:
        errors.append("swap: host has no swap but vitals reports a value")
else:
    close("swap used %", snap["memory"]["swap_used_percent"], sw.percent, 2.0)
close("online cores", snap["cpu"]["online_cores"], psutil.cpu_count(logical=True), 0)
la = psutil.getloadavg()
# load1 moves fast while the rest of the test suite runs in parallel: a loose bound (it
# checks the quantity, not the precision).
close("load1", snap["load"]["load1"], la[0], 1.5)
close("load15", snap["load"]["load15"], la[2], 0.5)
disks = {d["mount_point"]: d for d in snap["disks"]}
if "/" not in disks:
    errors.append(f"disk /: not watched; watched: {sorted(disks)}")
else:
    u = psutil.disk_usage("/")
    close("disk / used %", disks["/"]["used_percent"], u.used / (u.used + u.free) * 100, 0.5)
    close("disk / free bytes", disks["/"]["free_bytes"], u.free, 256 * 1024 * 1024)
with open("/proc/sys/fs/file-nr") as f:
    allocated = int(f.read().split()[0])
# The parallel test suite opens and closes hundreds of files between the two readings.
close("file handles allocated", snap["file_handles"]["allocated"], allocated, max(300, allocated * 0.25))
busy = snap["cpu"]["total"]
if not isinstance(busy, dict):
    errors.append("cpu total missing after two cycles")

if errors:
    print("\n".join(errors), file=sys.stderr)
    sys.exit(1)
