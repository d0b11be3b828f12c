#!/usr/bin/env bash
# Writes Tests/Fixtures/cgroup/debian12: a cgroup v2 tree as systemd 252 lays it out on a Debian 12
# host with the cpu, io, memory and pids controllers enabled, with the files the units family
# reads, in the kernel's format (Documentation/admin-guide/cgroup-v2.rst), with made-up figures. nginx.service has MemoryMax=256M and has had one OOM kill; backup.service has
# MemoryHigh=1G; two units share the name app.service (system and user manager), so both are
# named by their path. Re-run after changing it; the tests read the files, not this script.
set -euo pipefail
cd "$(dirname "$0")"
R=debian12
rm -rf "$R"
mkdir -p "$R"
unit() {  # path usage_usec memory.current memory.max memory.high oom_kill rbytes wbytes ios cpu_psi60 mem_psi60 io_psi60
    local d=$R/$1
    mkdir -p "$d"
    printf 'usage_usec %s\nuser_usec %s\nsystem_usec %s\ncore_sched.force_idle_usec 0\nnr_periods 0\nnr_throttled 0\nthrottled_usec 0\nnr_bursts 0\nburst_usec 0\n' \
        "$2" $(($2 * 3 / 4)) $(($2 / 4)) > "$d/cpu.stat"
    printf '%s\n' "$3" > "$d/memory.current"
    printf '%s\n' "$4" > "$d/memory.max"
    printf '%s\n' "$5" > "$d/memory.high"
    printf '0\n' > "$d/memory.swap.current"
    printf 'low 0\nhigh 0\nmax %s\noom %s\noom_kill %s\noom_group_kill 0\n' "$6" "$6" "$6" > "$d/memory.events"
    if [ "$7" = - ]; then : > "$d/io.stat"; else
        printf '259:0 rbytes=%s wbytes=%s rios=%s wios=%s dbytes=0 dios=0\n8:0 rbytes=0 wbytes=4096 rios=0 wios=1 dbytes=0 dios=0\n' "$7" "$8" "$9" "$9" > "$d/io.stat"
    fi
    printf 'some avg10=0.00 avg60=%s avg300=0.00 total=1203\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n' "${10}" > "$d/cpu.pressure"
    printf 'some avg10=0.00 avg60=%s avg300=0.00 total=88\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=12\n' "${11}" > "$d/memory.pressure"
    printf 'some avg10=0.00 avg60=%s avg300=0.00 total=5120\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=4096\n' "${12}" > "$d/io.pressure"
    printf 'populated 1\nfrozen 0\n' > "$d/cgroup.events"
}
printf 'cpuset cpu io memory hugetlb pids rdma misc\n' > $R/cgroup.controllers
printf 'cpu io memory pids\n' > $R/cgroup.subtree_control
printf 'usage_usec 912345678\nuser_usec 700000000\nsystem_usec 212345678\n' > $R/cpu.stat
unit init.scope                                  4120345     9437184    max        max        0 1048576 0 120 0.00 0.00 0.00
unit system.slice                                602113840   1288491008 max       max        1 838860800 209715200 50000 0.40 0.00 1.20
unit system.slice/nginx.service                  312456120   246415360  268435456  max        1 104857600 52428800 9000 0.12 2.50 0.00
unit system.slice/postgresql.service             250112003   734003200  max        max        0 629145600 157286400 38000 0.30 0.00 1.10
unit system.slice/backup.service                 30001200    209715200  max        1073741824 0 104857600 0 2000 0.00 0.00 3.40
unit system.slice/cron.service                   1200300     3145728    max        max        0 - 0 0 0.00 0.00 0.00
unit system.slice/app.service                    8200100     94371840   max        max        0 - 0 0 0.00 0.00 0.00
unit system.slice/system-getty.slice             10200       1048576    max        max        0 - 0 0 0.00 0.00 0.00
unit system.slice/system-getty.slice/getty@tty1.service 10200 1048576 max       max        0 - 0 0 0.00 0.00 0.00
unit user.slice                                  84000000    402653184  max        max        0 - 0 0 0.00 0.00 0.00
unit user.slice/user-1000.slice                  84000000    402653184  max        max        0 - 0 0 0.00 0.00 0.00
unit user.slice/user-1000.slice/session-3.scope  80000000    300000000  max        max        0 - 0 0 0.00 0.00 0.00
unit user.slice/user-1000.slice/user@1000.service 4000000    102653184  max        max        0 - 0 0 0.00 0.00 0.00
unit user.slice/user-1000.slice/user@1000.service/init.scope 1000000 10485760 max max 0 - 0 0 0.00 0.00 0.00
unit user.slice/user-1000.slice/user@1000.service/app.slice 3000000 92167424 max max 0 - 0 0 0.00 0.00 0.00
unit user.slice/user-1000.slice/user@1000.service/app.slice/app.service 3000000 92167424 max max 0 - 0 0 0.00 0.00 0.00
# A delegated subtree inside a service (not a unit): not walked.
mkdir -p $R/system.slice/postgresql.service/payload
# A file, not a directory, with a unit-like name: ignored.
: > $R/system.slice/not-a-dir.service
