#!/usr/bin/env python3
"""Derives the synthetic /proc fixture roots from the captured `debian12` root.

Usage: Tests/Fixtures/proc/generate.py        (run capture-debian12.sh first if debian12 is missing)

Every scenario starts as a copy of debian12 and then replaces or removes the files it is about,
so that each scenario differs from debian12 in one aspect only. Output is deterministic.
"""
import os
import random
import shutil

HERE = os.path.dirname(os.path.abspath(__file__))
BASE = os.path.join(HERE, "debian12")
FIELDS = ["user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal", "guest", "guest_nice"]


def fresh(name):
    dst = os.path.join(HERE, name)
    if os.path.exists(dst):
        shutil.rmtree(dst)
    shutil.copytree(BASE, dst, symlinks=True)
    os.remove(os.path.join(dst, "KERNEL.md"))
    return dst


def write(root, rel, text):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def read(root, rel):
    with open(os.path.join(root, rel)) as f:
        return f.read()


def base_kernel():
    for line in read(BASE, "KERNEL.md").splitlines():
        if line.startswith("- `uname -r`"):
            return line.split("`")[3]
    return "unknown"


def set_kv(text, key, value, unit=" kB"):
    """Replace the value of `key` in a meminfo-style (`Key:   value kB`) or vmstat-style (`key value`) file."""
    out = []
    for line in text.splitlines():
        if line.startswith(key + ":"):
            line = f"{key + ':':<16}{value:>8}{unit}"
        elif line.split(" ")[0] == key:
            line = f"{key} {value}"
        out.append(line)
    return "\n".join(out) + "\n"


def get_kv(text, key):
    for line in text.splitlines():
        parts = line.replace(":", " ").split()
        if parts and parts[0] == key:
            return int(parts[1])
    raise KeyError(key)


def stat_text(agg, cores, tail):
    """/proc/stat layout: aggregate `cpu  ` (two spaces) then `cpuN ` lines, then the rest."""
    lines = ["cpu  " + " ".join(str(v) for v in agg)]
    for n, vals in cores:
        lines.append(f"cpu{n} " + " ".join(str(v) for v in vals))
    return "\n".join(lines + tail) + "\n"


def total(cores):
    return [sum(vals[i] for _, vals in cores) for i in range(10)]


def kernel_md(root, title, lines):
    write(root, "KERNEL.md", f"# {title}\n\n" + "\n".join(lines) + "\n")


def scenario_swap():
    d = fresh("swap")
    mem = read(d, "meminfo")
    mem = set_kv(mem, "SwapTotal", 2097152)
    mem = set_kv(mem, "SwapFree", 1572864)
    write(d, "meminfo", mem)
    vm = read(d, "vmstat")
    vm2 = set_kv(vm, "pswpin", get_kv(vm, "pswpin") + 500, unit="")
    vm2 = set_kv(vm2, "oom_kill", get_kv(vm, "oom_kill") + 1, unit="")
    write(d, "vmstat2", vm2)
    kernel_md(d, "swap", [
        f"Source: `debian12` (captured on `{base_kernel()}`) with edits by `generate.py`.",
        "",
        "- `meminfo`: `SwapTotal` 2097152 kB, `SwapFree` 1572864 kB (512 MiB = 25 % used); everything else as captured.",
        f"- `vmstat2`: copy of `vmstat` with `pswpin` +500 ({get_kv(vm, 'pswpin')} -> {get_kv(vm2, 'pswpin')}) "
        f"and `oom_kill` +1 ({get_kv(vm, 'oom_kill')} -> {get_kv(vm2, 'oom_kill')}); every other counter unchanged.",
        "- Note: a real machine with swap in use would also show nonzero `SwapCached`/`pswpout`; they are left as captured.",
    ])


def scenario_no_psi():
    d = fresh("no-psi")
    shutil.rmtree(os.path.join(d, "pressure"))
    kernel_md(d, "no-psi", [
        f"Source: `debian12` (captured on `{base_kernel()}`) with the `pressure/` directory removed by `generate.py`.",
        "",
        "Models a kernel built without `CONFIG_PSI` (PSI appeared in 4.20) or booted with `psi=0`:",
        "there is no `/proc/pressure` at all (with `psi=0` on >= 5.x the files exist but reads fail with",
        "EOPNOTSUPP; that case is not modelled here). Everything else is identical to debian12.",
    ])


MEMINFO_310 = [
    # (key, value, unit) in the order fs/proc/meminfo.c printed them in v3.10 (x86_64, no HIGHMEM).
    ("MemTotal", 8010244, "kB"), ("MemFree", 412336, "kB"), ("Buffers", 187420, "kB"),
    ("Cached", 5236108, "kB"), ("SwapCached", 10284, "kB"), ("Active", 4523460, "kB"),
    ("Inactive", 2387720, "kB"), ("Active(anon)", 1402364, "kB"), ("Inactive(anon)", 331092, "kB"),
    ("Active(file)", 3121096, "kB"), ("Inactive(file)", 2056628, "kB"), ("Unevictable", 0, "kB"),
    ("Mlocked", 0, "kB"), ("SwapTotal", 4194300, "kB"), ("SwapFree", 4104572, "kB"),
    ("Dirty", 1244, "kB"), ("Writeback", 0, "kB"), ("AnonPages", 1477436, "kB"),
    ("Mapped", 173612, "kB"), ("Shmem", 245772, "kB"), ("Slab", 566128, "kB"),
    ("SReclaimable", 498340, "kB"), ("SUnreclaim", 67788, "kB"), ("KernelStack", 5728, "kB"),
    ("PageTables", 22660, "kB"), ("NFS_Unstable", 0, "kB"), ("Bounce", 0, "kB"),
    ("WritebackTmp", 0, "kB"), ("CommitLimit", 8199420, "kB"), ("Committed_AS", 3891204, "kB"),
    ("VmallocTotal", 34359738367, "kB"), ("VmallocUsed", 289756, "kB"), ("VmallocChunk", 34359441404, "kB"),
    ("HardwareCorrupted", 0, "kB"), ("AnonHugePages", 1058816, "kB"), ("HugePages_Total", 0, ""),
    ("HugePages_Free", 0, ""), ("HugePages_Rsvd", 0, ""), ("HugePages_Surp", 0, ""),
    ("Hugepagesize", 2048, "kB"), ("DirectMap4k", 114560, "kB"), ("DirectMap2M", 8273920, "kB"),
]


def scenario_no_memavailable():
    d = fresh("no-memavailable")
    lines = []
    for key, value, unit in MEMINFO_310:
        lines.append(f"{key + ':':<16}{value:>8}" + (f" {unit}" if unit else ""))
    write(d, "meminfo", "\n".join(lines) + "\n")
    v = {k: val for k, val, _ in MEMINFO_310}
    kernel_md(d, "no-memavailable", [
        "Source: synthesised from the documented format in Documentation/filesystems/proc.txt and the",
        "field order of fs/proc/meminfo.c in Linux 3.10 (x86_64, no HIGHMEM, THP on), values of a typical",
        "8 GiB CentOS-7-sized box. MemAvailable only appeared in 3.14 (commit 34e431b0ae39), so it is absent.",
        "Only `meminfo` differs from debian12 (a real 3.10 would also lack `pressure/` and `oom_kill` in vmstat;",
        "those are covered by `no-psi` and left alone here so that this scenario changes one thing).",
        "",
        "Handy numbers for the fallback estimate:",
        f"- MemTotal {v['MemTotal']} kB, MemFree {v['MemFree']} kB, Buffers {v['Buffers']} kB, Cached {v['Cached']} kB,",
        f"  SReclaimable {v['SReclaimable']} kB, Shmem {v['Shmem']} kB",
        f"- MemFree + Buffers + Cached + SReclaimable = {v['MemFree'] + v['Buffers'] + v['Cached'] + v['SReclaimable']} kB",
        f"- same minus Shmem = {v['MemFree'] + v['Buffers'] + v['Cached'] + v['SReclaimable'] - v['Shmem']} kB",
        f"- SwapTotal {v['SwapTotal']} kB, SwapFree {v['SwapFree']} kB",
    ])


def stat_tail(cpus, ctxt, processes, running, seed, bump=0):
    """intr/softirq lines; `bump` > 0 advances every nonzero counter (for the second capture)."""
    rnd = random.Random(seed)
    intr = [rnd.randint(0, 5000) * cpus + bump for _ in range(40)] + [0] * 60
    soft = [rnd.randint(1000, 90000) * cpus + bump for _ in range(10)]
    return [
        f"intr {sum(intr)} " + " ".join(map(str, intr)),
        f"ctxt {ctxt}",
        "btime 1700000000",
        f"processes {processes}",
        f"procs_running {running}",
        "procs_blocked 0",
        f"softirq {sum(soft)} " + " ".join(map(str, soft)),
    ]


def advance(vals, jiffies, rnd, busy):
    """Advance one core's counters by `jiffies`, split over modes. Returns new list."""
    u = int(jiffies * busy * rnd.uniform(0.6, 0.8))
    s = int(jiffies * busy * rnd.uniform(0.15, 0.25))
    n = int(jiffies * busy * 0.02)
    irq = rnd.randint(0, 1)
    sirq = rnd.randint(0, 2)
    io = rnd.randint(0, 2)
    st = rnd.randint(0, 1)
    idle = jiffies - (u + s + n + irq + sirq + io + st)
    assert idle >= 0
    d = [u, n, s, idle, io, irq, sirq, st, 0, 0]
    return [a + b for a, b in zip(vals, d)]


def scenario_many_cores():
    d = fresh("many-cores")
    rnd = random.Random(64)
    cores = []
    for n in range(64):
        user = rnd.randint(200000, 400000)
        cores.append((n, [user, rnd.randint(0, 3000), user // 4 + rnd.randint(0, 5000),
                          rnd.randint(2500000, 3000000), rnd.randint(1000, 9000), 0,
                          rnd.randint(2000, 8000), rnd.randint(0, 500), 0, 0]))
    cores2 = [(n, advance(v, 100, rnd, 0.75)) for n, v in cores]
    write(d, "stat", stat_text(total(cores), cores, stat_tail(64, 987654321, 4500000, 48, 1)))
    write(d, "stat2", stat_text(total(cores2), cores2, stat_tail(64, 987754321, 4500120, 50, 1, bump=37)))
    write(d, "loadavg", "48.00 40.00 32.00 5/1000 12345\n")
    a, b = total(cores), total(cores2)
    delta = [y - x for x, y in zip(a, b)]
    busy = sum(delta) - delta[3] - delta[4]
    kernel_md(d, "many-cores", [
        "Source: synthesised by `generate.py` from the documented /proc/stat format",
        "(Documentation/filesystems/proc.rst, section 1.8; 10 columns since 2.6.33) for a 64-CPU host;",
        f"other files are debian12's (captured on `{base_kernel()}`).",
        "",
        "- `stat`: aggregate `cpu  ` line (two spaces, like the kernel) = exact column-wise sum of cpu0..cpu63.",
        "- `stat2`: ~1 s later at USER_HZ=100: every core advanced by exactly 100 jiffies (all 10 columns summed),",
        "  ~75 % busy (user/system/nice) plus small irq/softirq/iowait/steal; aggregate is again the exact sum.",
        f"- aggregate delta: total {sum(delta)} jiffies, idle {delta[3]}, iowait {delta[4]}, busy (total-idle-iowait) {busy}"
        f" = {100.0 * busy / sum(delta):.2f} %.",
        "- `loadavg`: `48.00 40.00 32.00 5/1000 12345`.",
        "- `intr`/`softirq` totals equal the sum of their per-item columns.",
    ])


def scenario_cpu_offline():
    d = fresh("cpu-offline")
    cores = [
        (0, [152340, 120, 40211, 2210034, 3021, 0, 1877, 210, 0, 0]),
        (1, [149872, 98, 39874, 2215410, 2814, 0, 1022, 198, 0, 0]),
        (2, [160321, 143, 41002, 2201877, 3312, 0, 998, 220, 0, 0]),
        (3, [147005, 77, 38930, 2218804, 2655, 0, 1103, 187, 0, 0]),
    ]
    rnd = random.Random(4)
    cores2 = [(n, advance(v, 200, rnd, 0.3)) for n, v in cores if n != 2]  # 2 s later, cpu2 unplugged
    write(d, "stat", stat_text(total(cores), cores, stat_tail(4, 45678901, 123456, 2, 2)))
    write(d, "stat2", stat_text(total(cores2), cores2, stat_tail(4, 45698901, 123470, 1, 2, bump=11)))
    # What a NO_HZ kernel really prints: the aggregate sums *possible* CPUs; the offline cpu2 keeps its frozen
    # counters, and its idle/iowait fall back from the nohz idle clock to cpustat[IDLE]/[IOWAIT], which on a
    # tickless kernel is much smaller (here: 10 % of it), so aggregate idle goes backwards.
    frozen = list(cores[2][1])
    frozen[3] //= 10
    frozen[4] //= 10
    possible = total(cores2 + [(2, frozen)])
    write(d, "stat2-possible", stat_text(possible, cores2, stat_tail(4, 45698901, 123470, 1, 2, bump=11)))
    a, b, p = total(cores), total(cores2), possible
    kernel_md(d, "cpu-offline", [
        "Source: synthesised by `generate.py` from the documented /proc/stat format",
        "(Documentation/filesystems/proc.rst) and fs/proc/stat.c `show_stat()`; other files are debian12's",
        f"(captured on `{base_kernel()}`).",
        "",
        "- `stat`: 4 online CPUs (cpu0..cpu3), aggregate = exact sum.",
        "- `stat2`: 2 s later (USER_HZ=100, each online core +200 jiffies), cpu2 went offline so there is no `cpu2` line;",
        "  the aggregate line is the sum of the three remaining cores, so most aggregate columns are *smaller* than in",
        "  `stat` (counters going backwards): " + ", ".join(f"{f} {x}->{y}" for f, x, y in zip(FIELDS[:8], a, b)) + ".",
        "- `stat2-possible` (extra): what a tickless kernel actually prints. `show_stat()` sums the aggregate over",
        "  `for_each_possible_cpu` but prints per-CPU lines only `for_each_online_cpu`; an offline CPU keeps its",
        "  frozen user/system/... counters, while its idle/iowait fall back from the NO_HZ idle clock to",
        "  `cpustat[CPUTIME_IDLE/IOWAIT]`, which is much smaller (here 10 %). So the aggregate is NOT the sum of the",
        "  printed lines, and aggregate idle still goes backwards: " + ", ".join(
            f"{f} {x}->{y}" for f, x, y in zip(FIELDS[3:5], a[3:5], p[3:5])) + ".",
    ])


def mountinfo_lines():
    L = []
    add = L.append
    # id parent major:minor root mountpoint options [optional...] - fstype source superoptions
    add("22 1 259:2 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p2 rw,errors=remount-ro")
    add("23 22 0:21 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw")
    add("24 22 0:22 / /proc rw,nosuid,nodev,noexec,relatime shared:13 - proc proc rw")
    add("25 22 0:5 / /dev rw,nosuid,relatime shared:2 - devtmpfs udev rw,size=16334184k,nr_inodes=4083546,mode=755,inode64")
    add("26 25 0:23 / /dev/pts rw,nosuid,noexec,relatime shared:3 - devpts devpts rw,gid=5,mode=620,ptmxmode=000")
    add("27 22 0:24 / /run rw,nosuid,nodev,noexec,relatime shared:5 - tmpfs tmpfs rw,size=3273576k,mode=755,inode64")
    add("28 23 0:6 / /sys/kernel/security rw,nosuid,nodev,noexec,relatime shared:8 - securityfs securityfs rw")
    add("29 25 0:25 / /dev/shm rw,nosuid,nodev shared:4 - tmpfs tmpfs rw,inode64")
    add("30 27 0:26 / /run/lock rw,nosuid,nodev,noexec,relatime shared:6 - tmpfs tmpfs rw,size=5120k,inode64")
    add("31 23 0:27 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot")
    add("32 23 0:28 / /sys/fs/pstore rw,nosuid,nodev,noexec,relatime shared:10 - pstore pstore rw")
    add("33 23 0:29 / /sys/firmware/efi/efivars rw,nosuid,nodev,noexec,relatime shared:11 - efivarfs efivarfs rw")
    add("34 23 0:30 / /sys/fs/bpf rw,nosuid,nodev,noexec,relatime shared:12 - bpf bpf rw,mode=700")
    add("35 24 0:31 / /proc/sys/fs/binfmt_misc rw,relatime shared:14 - autofs systemd-1 rw,fd=29,pgrp=1,timeout=0,minproto=5,maxproto=5,direct,pipe_ino=17755")
    add("36 25 0:19 / /dev/mqueue rw,nosuid,nodev,noexec,relatime shared:15 - mqueue mqueue rw")
    add("37 25 0:32 / /dev/hugepages rw,relatime shared:16 - hugetlbfs hugetlbfs rw,pagesize=2M")
    add("38 23 0:7 / /sys/kernel/debug rw,nosuid,nodev,noexec,relatime shared:17 - debugfs debugfs rw")
    add("39 23 0:12 / /sys/kernel/tracing rw,nosuid,nodev,noexec,relatime shared:18 - tracefs tracefs rw")
    add("40 23 0:33 / /sys/fs/fuse/connections rw,nosuid,nodev,noexec,relatime shared:19 - fusectl fusectl rw")
    add("41 23 0:20 / /sys/kernel/config rw,nosuid,nodev,noexec,relatime shared:20 - configfs configfs rw")
    add("42 27 0:34 / /run/credentials/systemd-sysctl.service ro,nosuid,nodev,noexec,relatime shared:21 - tmpfs none rw,size=1024k,nr_inodes=1024,mode=700,inode64,noswap")
    add("43 27 0:35 / /run/credentials/systemd-tmpfiles-setup-dev.service ro,nosuid,nodev,noexec,relatime shared:22 - tmpfs none rw,size=1024k,nr_inodes=1024,mode=700,inode64,noswap")
    add("60 22 253:1 / /srv rw,noatime shared:30 - xfs /dev/mapper/vg0-srv rw,attr2,inode64,logbufs=8,logbsize=32k,noquota")
    add("61 22 259:1 / /boot/efi rw,relatime shared:31 - vfat /dev/nvme0n1p1 rw,fmask=0077,dmask=0077,codepage=437,iocharset=ascii,shortname=mixed,utf8,errors=remount-ro")
    add("62 22 259:2 /srv-data /data rw,relatime shared:1 - ext4 /dev/nvme0n1p2 rw,errors=remount-ro")
    add("63 22 259:2 /var/log /mnt/logs-bind ro,relatime shared:1 - ext4 /dev/nvme0n1p2 rw,errors=remount-ro")
    add("64 35 0:36 / /proc/sys/fs/binfmt_misc rw,nosuid,nodev,noexec,relatime shared:32 - binfmt_misc binfmt_misc rw")
    snaps = [("core20", 1234), ("core22", 1380), ("snapd", 21759), ("lxd", 29351), ("firefox", 4173),
             ("gnome-42-2204", 176), ("gtk-common-themes", 1535), ("bare", 5)]
    mid = 65
    for loop, (name, rev) in enumerate(snaps):
        add(f"{mid} 22 7:{loop} / /snap/{name}/{rev} ro,nodev,relatime shared:{mid - 32} - squashfs /dev/loop{loop} ro,errors=continue,threads=single")
        mid += 1
    add(f"{mid} 22 7:20 / /usr/lib/modules-erofs ro,relatime shared:{mid - 32} - erofs /dev/loop20 ro,user_xattr,acl,cache_strategy=readaround")
    mid += 1
    add(f"{mid} 22 11:0 / /media/cdrom ro,nosuid,nodev,relatime shared:{mid - 32} - iso9660 /dev/sr0 ro,norock,check=r,map=n,blocksize=2048,uid=1000,gid=1000,dmode=500,fmode=400,iocharset=utf8")
    mid += 1
    add(f"{mid} 22 0:45 / /mnt/nfs rw,relatime shared:{mid - 32} - nfs4 nfs.example.com:/export/home rw,vers=4.2,rsize=1048576,wsize=1048576,namlen=255,hard,proto=tcp,timeo=600,retrans=2,sec=sys,clientaddr=192.0.2.10,local_lock=none,addr=192.0.2.20")
    mid += 1
    add(f"{mid} 22 0:46 / /home/alice/remote rw,nosuid,nodev,relatime shared:{mid - 32} - fuse.sshfs alice@build.example.com:/home/alice rw,user_id=1000,group_id=1000")
    mid += 1
    add(f"{mid} 22 8:17 / /media/alice/USB\\040Stick rw,nosuid,nodev,relatime shared:{mid - 32} - vfat /dev/sdb1 rw,uid=1000,gid=1000,fmask=0022,dmask=0022,codepage=437,iocharset=iso8859-1,shortname=mixed,showexec,utf8,flush,errors=remount-ro")
    mid += 1
    add(f"{mid} 27 0:47 / /run/user/1000 rw,nosuid,nodev,relatime shared:{mid - 32} - tmpfs tmpfs rw,size=3273572k,nr_inodes=818393,mode=700,uid=1000,gid=1000,inode64")
    mid += 1
    add(f"{mid} 27 0:4 net:[4026532615] /run/netns/blue rw shared:{mid - 32} - nsfs nsfs rw")
    mid += 1
    add(f"{mid} 27 0:48 / /run/docker/netns/2c5f0c1b8e4a rw shared:{mid - 32} - nsfs nsfs rw")
    mid += 1
    # A slave mount with two optional fields (propagation from a peer group + master).
    add(f"{mid} 22 253:2 / /var/lib/containers rw,relatime shared:{mid - 32} master:30 - btrfs /dev/mapper/vg0-containers rw,ssd,discard=async,space_cache=v2,subvolid=256,subvol=/@containers")
    mid += 1
    rnd = random.Random(7)
    for i in range(20):
        cid = "".join(rnd.choice("0123456789abcdef") for _ in range(64))
        name = "x" if i == 0 else cid
        lowers = ":".join(f"/var/lib/docker/overlay2/l/{''.join(rnd.choice('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567') for _ in range(26))}"
                          for _ in range(rnd.randint(3, 7)))
        add(f"{mid} 22 0:{60 + i} / /var/lib/docker/overlay2/{name}/merged rw,relatime - overlay overlay "
            f"rw,lowerdir={lowers},upperdir=/var/lib/docker/overlay2/{cid}/diff,workdir=/var/lib/docker/overlay2/{cid}/work,nouserxattr")
        mid += 1
    return L


def scenario_mounts():
    d = fresh("mounts")
    text = "\n".join(mountinfo_lines()) + "\n"
    write(d, "self/mountinfo", text)
    fstypes = sorted({l.split(" - ")[1].split()[0] for l in text.splitlines()})
    kernel_md(d, "mounts", [
        "Source: synthesised by `generate.py` in the exact mountinfo format of `man 5 proc` /",
        "Documentation/filesystems/proc.rst section 3.5 (id parent major:minor root mountpoint options",
        "[optional fields...] - fstype source superoptions), modelled on a Debian/Ubuntu desktop+docker host;",
        f"other files are debian12's (captured on `{base_kernel()}`).",
        "",
        f"- `self/mountinfo`: {len(text.splitlines())} lines, {len(text.encode())} bytes (> 8 KiB on purpose:"
        " a single 4/8 KiB read() is not enough).",
        "- `/` is ext4 on 259:2; the same device 259:2 is also mounted at `/data` (root `/srv-data`) and read-only",
        "  at `/mnt/logs-bind` (root `/var/log`) — bind mounts that must not be counted as extra capacity.",
        "- `/media/alice/USB\\040Stick` is a mount point containing a space (octal-escaped as the kernel does;",
        "  decoded path is `/media/alice/USB Stick`).",
        "- `/var/lib/containers` has two optional fields (`shared:N master:30`); docker overlay mounts have none.",
        "- Two mounts at `/proc/sys/fs/binfmt_misc` (autofs trigger, then binfmt_misc stacked on it).",
        "- 20 overlay mounts, the first at `/var/lib/docker/overlay2/x/merged`.",
        "- fstypes present: " + ", ".join(f"`{t}`" for t in fstypes) + ".",
    ])


def main():
    if not os.path.isdir(BASE):
        raise SystemExit("debian12 missing: run capture-debian12.sh first")
    scenario_swap()
    scenario_no_psi()
    scenario_no_memavailable()
    scenario_many_cores()
    scenario_cpu_offline()
    scenario_mounts()


if __name__ == "__main__":
    main()
