#!/usr/bin/env bash
# Re-captures the `debian12` fixture from the running machine's /proc.
# Usage: Tests/Fixtures/proc/capture-debian12.sh [PID...]   (default PIDs: 1, 2 (kthreadd) and this shell)
# Files are copied with `cat` because /proc files report size 0 (cp may copy nothing).
# /proc/PID/fd is reproduced as empty regular files with the same names (the fd numbers), so
# only the count and the names are kept, never the link targets.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dst="$here/debian12"
pids=("$@"); [ ${#pids[@]} -gt 0 ] || pids=(1 2 $$)
rm -rf "$dst"
mkdir -p "$dst/sys/fs" "$dst/self" "$dst/pressure"
for f in stat meminfo vmstat loadavg sys/fs/file-nr; do cat "/proc/$f" > "$dst/$f"; done
cat /proc/self/mountinfo > "$dst/self/mountinfo"
for f in cpu memory io; do
  if [ -r "/proc/pressure/$f" ]; then cat "/proc/pressure/$f" > "$dst/pressure/$f"; fi
done
for pid in "${pids[@]}"; do
  [ -d "/proc/$pid" ] || continue
  mkdir -p "$dst/$pid/fd"
  cat "/proc/$pid/comm" > "$dst/$pid/comm"
  cat "/proc/$pid/limits" > "$dst/$pid/limits"
  for fd in $(ls "/proc/$pid/fd"); do : > "$dst/$pid/fd/$fd"; done
  # git cannot store an empty directory: a process with no fds (kernel thread) gets a `.gitkeep`.
  [ -n "$(ls "$dst/$pid/fd")" ] || : > "$dst/$pid/fd/.gitkeep"
done
sleep 2
cat /proc/stat > "$dst/stat2"
{
  echo "# debian12"
  echo
  echo "Source: captured on the development machine ($(. /etc/os-release; echo "$PRETTY_NAME"))"
  echo "with \`Tests/Fixtures/proc/capture-debian12.sh\` on $(date -u +%Y-%m-%d)."
  echo
  echo "- \`uname -r\`: \`$(uname -r)\`"
  echo "- CPUs online: $(nproc) ($(grep -c '^cpu[0-9]' "$dst/stat") per-cpu lines in \`stat\`)"
  echo "- No swap: \`SwapTotal\` and \`SwapFree\` are 0 kB."
  echo "- \`stat2\` is a second capture of /proc/stat taken ~2 s after \`stat\` (USER_HZ = $(getconf CLK_TCK))."
  echo "- The aggregate \`cpu\` line need not equal the sum of the per-cpu lines: the kernel sums nanoseconds and"
  echo "  converts once, each cpuN line is converted separately, so columns can differ by a jiffy or two (rounding)."
  echo "- PSI available (\`pressure/cpu|memory|io\`)."
  echo "- \`self/mountinfo\` is the capturing process's mount table ($(wc -l < "$dst/self/mountinfo") lines, $(wc -c < "$dst/self/mountinfo") bytes)."
  echo "- \`self\` is a real directory here (on a live system it is a symlink to the reader's PID)."
  echo "- Processes (\`PID/comm\`, \`PID/limits\`, \`PID/fd/\` as empty files named after the open fds):"
  for pid in "${pids[@]}"; do
    [ -d "$dst/$pid" ] || continue
    echo "  - $pid \`$(cat "$dst/$pid/comm")\`: $(ls "$dst/$pid/fd" | wc -l) fds, \"Max open files\" soft $(awk '/^Max open files/{print $4}' "$dst/$pid/limits")"
  done
} > "$dst/KERNEL.md"
echo "captured into $dst"
