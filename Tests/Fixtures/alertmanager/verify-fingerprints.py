#!/usr/bin/env python3
"""verify-fingerprints.py - recompute Alertmanager's alert fingerprints independently.

Reads fingerprints.json (written by capture-fingerprints.sh from a real Alertmanager) and, for
every vector, computes FNV-1a 64 over the labels sorted by name in byte order: for each label,
the UTF-8 bytes of the name, byte 0xFF, the UTF-8 bytes of the value, byte 0xFF. Offset basis
14695981039346656037, prime 1099511628211, printed as %016x. Compares with the recorded value.
If empty-value.json is present, also checks that the fingerprint Alertmanager gave the
empty-value probe equals the hash of the labels it returned.

Usage: verify-fingerprints.py [FINGERPRINTS_JSON]   (default: fingerprints.json next to this file)
Exits 0 when every vector matches, 1 on any mismatch, 2 on unusable input. Standard library only.
"""
import json
import os
import sys

FNV_OFFSET = 14695981039346656037
FNV_PRIME = 1099511628211
MASK = (1 << 64) - 1


def fingerprint(labels):
    h = FNV_OFFSET
    for name in sorted(labels, key=lambda n: n.encode("utf-8")):
        for b in name.encode("utf-8") + b"\xff" + labels[name].encode("utf-8") + b"\xff":
            h ^= b
            h = (h * FNV_PRIME) & MASK
    return "%016x" % h


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "fingerprints.json")
    try:
        with open(path, encoding="utf-8") as f:
            vectors = json.load(f)
        assert isinstance(vectors, list) and vectors, "not a non-empty JSON array"
        for v in vectors:
            assert isinstance(v.get("labels"), dict) and isinstance(v.get("fingerprint"), str), f"bad entry {v!r}"
    except (OSError, ValueError, AssertionError) as e:
        print(f"verify-fingerprints: cannot use {path}: {e}", file=sys.stderr)
        return 2

    bad = probe_bad = 0
    for i, v in enumerate(vectors, 1):
        mine = fingerprint(v["labels"])
        ok = mine == v["fingerprint"]
        bad += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {i:2d} alertmanager={v['fingerprint']} fnv1a={mine} "
              f"{json.dumps(v['labels'], ensure_ascii=False)[:100]}")

    probe_path = os.path.join(os.path.dirname(os.path.abspath(path)), "empty-value.json")
    if os.path.exists(probe_path):
        with open(probe_path, encoding="utf-8") as f:
            probe = json.load(f)
        for a in probe.get("returned_alerts", []):
            mine = fingerprint(a["labels"])
            ok = mine == a["fingerprint"]
            probe_bad += not ok
            print(f"{'ok  ' if ok else 'FAIL'} empty-value probe: alertmanager={a['fingerprint']} fnv1a={mine} "
                  f"returned labels {json.dumps(a['labels'], ensure_ascii=False)}")

    total = len(vectors)
    print(f"verify-fingerprints: {total - bad} of {total} vectors match"
          + (f"; {bad} MISMATCH(ES)" if bad else "")
          + ("; empty-value probe MISMATCH" if probe_bad else ""), file=sys.stderr)
    return 1 if bad or probe_bad else 0


if __name__ == "__main__":
    sys.exit(main())
