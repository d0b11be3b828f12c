#!/usr/bin/env bash
# capture-fingerprints.sh - record alert fingerprints computed by a REAL Prometheus Alertmanager.
#
# Purpose: vitals computes an alert's fingerprint itself (FNV-1a 64 over the labels sorted by
# name, each as name, 0xFF, value, 0xFF - Prometheus' model.LabelSet.Fingerprint). This script
# asks the real thing for the answers, so the Swift tests can compare against them:
#   1. starts a private Alertmanager on 127.0.0.1 with the peer script (shared/peers/alertmanager),
#   2. POSTs each label set below to /api/v2/alerts (labels only, startsAt = now, endsAt = now+1h),
#   3. GETs /api/v2/alerts and writes fingerprints.json: a JSON array, in the input order, of
#      {"labels": {...as posted...}, "fingerprint": "<16 hex digits as Alertmanager returns it>"},
#   4. probes a label with an empty value and writes what happened to empty-value.json.
# Alertmanager is always stopped (by PID, through the peer script) and its temp dir removed.
#
# Usage:
#   Tests/Fixtures/alertmanager/capture-fingerprints.sh [OUT_DIR]
#     OUT_DIR  where fingerprints.json and empty-value.json go (default: this script's folder)
#   Env: AM_PEER  path of the peer script
#                 (default: $(dirname "$0")/../../../../shared/peers/alertmanager)
#        PYTHON   python3 interpreter, standard library only (default: python3)
#   Then check them: Tests/Fixtures/alertmanager/verify-fingerprints.py
#   Needs root on first use (the peer script apt-installs prometheus-alertmanager and curl).
#
# Empty label values (checked against Alertmanager 0.25.0, Debian 12): a label whose value is ""
# is NOT rejected - the POST answers 200 - but Alertmanager drops that label (as Prometheus
# does: an empty value means "no such label"). GET /api/v2/alerts then shows the alert without
# it, and its fingerprint is that of the remaining labels. Such a set is therefore excluded
# from fingerprints.json; the probe's result is recorded in empty-value.json instead.
# Not covered: values that are not valid UTF-8 (e.g. a raw 0xFF byte) cannot be sent in JSON.
# Label names must match [a-zA-Z_][a-zA-Z0-9_]* in 0.25 (others are rejected with 400).

set -euo pipefail

HERE=$(cd -- "$(dirname -- "$0")" && pwd -P)
AM_PEER=${AM_PEER:-$(dirname -- "$0")/../../../../shared/peers/alertmanager}
PYTHON=${PYTHON:-python3}
OUT_DIR=${1:-$HERE}

[[ -x "$AM_PEER" ]] || { echo "capture-fingerprints: peer script not found or not executable: $AM_PEER (set AM_PEER)" >&2; exit 1; }
mkdir -p -- "$OUT_DIR"
OUT_DIR=$(cd -- "$OUT_DIR" && pwd -P)

TMP=$(mktemp -d "${TMPDIR:-/tmp}/vitals-am-fp.XXXXXX")
cleanup() {
  local rc=$?
  "$AM_PEER" stop --dir "$TMP/am" >/dev/null 2>&1 || echo "capture-fingerprints: WARNING: could not stop Alertmanager in $TMP/am" >&2
  rm -rf -- "$TMP"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Start; read the KEY=VALUE lines (not through head: see the peer README on SIGPIPE).
"$AM_PEER" start --dir "$TMP/am" --port 0 >"$TMP/start.out"
AM_URL=$(sed -n 's/^ALERTMANAGER_URL=//p' "$TMP/start.out")
[[ -n "$AM_URL" ]] || { cat "$TMP/start.out" >&2; echo "capture-fingerprints: no ALERTMANAGER_URL from the peer script" >&2; exit 1; }
sed -n 1p "$TMP/start.out" >&2

AM_URL=$AM_URL OUT_DIR=$OUT_DIR "$PYTHON" - <<'PY'
import datetime, json, os, sys, urllib.error, urllib.request

URL = os.environ["AM_URL"]
OUT = os.environ["OUT_DIR"]

# The input set. Python dicts keep insertion order and json.dumps keeps it in the POST body,
# so set 3 really reaches Alertmanager with its keys in a different order than set 2.
SETS = [
    # 1. a single label
    {"alertname": "VitalsHeartbeat"},
    # 2. typical vitals labels
    {"alertname": "VitalsDiskSpace", "instance": "web1", "check": "disk", "resource": "/srv"},
    # 3. the same set, keys inserted in another order -> must equal set 2's fingerprint
    {"resource": "/srv", "check": "disk", "instance": "web1", "alertname": "VitalsDiskSpace"},
    # 4. differs from set 2 in one value only
    {"alertname": "VitalsDiskSpace", "instance": "web1", "check": "disk", "resource": "/var"},
    # 5. spaces in values
    {"alertname": "VitalsDiskSpace", "instance": "web 1", "summary": "disk /srv is 93 % full"},
    # 6. commas and '=' (look like label-set syntax)
    {"alertname": "VitalsCheck", "instance": "web1", "selector": 'a=b,c="d", e!=f'},
    # 7. double and single quotes
    {"alertname": "VitalsCheck", "instance": "web1", "output": 'say "hello" and \'bye\''},
    # 8. backslashes
    {"alertname": "VitalsCheck", "instance": "win1", "resource": "C:\\ProgramData\\vitals\\", "regex": "\\d+\\.\\d+"},
    # 9. non-ASCII UTF-8: Latin-1 range, CJK, emoji (4-byte UTF-8)
    {"alertname": "VitalsCheck", "site": "Zürich", "region": "東京", "mood": "🔥🚨", "note": "Ærø naïve café"},
    # 10. U+00FF 'ÿ' and U+00FE 'þ': UTF-8 c3 bf / c3 be, NOT the 0xFF separator byte
    {"alertname": "VitalsCheck", "instance": "ÿþ", "resource": "\u00ff"},
    # 11. control characters: tab and newline in a value
    {"alertname": "VitalsCheck", "instance": "web1", "output": "line1\nline2\tcol2"},
    # 12. names with underscores and digits (byte order: '0'-'9' < 'A'-'Z' < '_' < 'a'-'z')
    {"alertname": "VitalsCheck", "_private": "x", "label_2": "y", "a1_b2": "z", "Z9": "upper", "__meta_x": "reserved-looking"},
    # 13. byte-order sorting of names that share a prefix, and upper vs lower case
    {"alertname": "VitalsSort", "a": "1", "ab": "2", "a_b": "3", "a0": "4", "A": "5", "B": "6", "instance": "i", "Instance": "I"},
    # 14./15. the 0xFF separators matter: without them both would hash "...abc"
    {"alertname": "VitalsSort", "ab": "c"},
    {"alertname": "VitalsSort", "a": "bc"},
    # 16. 12 labels
    {"alertname": "VitalsManyLabels", "instance": "web1.example.org:9100", "job": "vitals",
     "check": "load", "resource": "load15", "severity": "warning", "team": "ops",
     "env": "production", "dc": "fra1", "rack": "r12", "os": "debian12", "agent_version": "1.4.0"},
    # 17. a long value (512 bytes)
    {"alertname": "VitalsCheck", "instance": "web1", "output": ("0123456789abcdef" * 32)},
]
EMPTY_PROBE = {"alertname": "VitalsEmptyValueProbe", "instance": "web1", "empty": ""}

def rfc3339(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")

def post(labels_list):
    now = datetime.datetime.now(datetime.timezone.utc)
    body = [{"labels": l, "startsAt": rfc3339(now), "endsAt": rfc3339(now + datetime.timedelta(hours=1))}
            for l in labels_list]
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    req = urllib.request.Request(URL + "/api/v2/alerts", data=data, method="POST",
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")

def get(path):
    with urllib.request.urlopen(URL + path, timeout=10) as r:
        return json.loads(r.read().decode("utf-8"))

def key(labels):
    return frozenset(labels.items())

version = get("/api/v2/status").get("versionInfo", {}).get("version", "?")
print(f"capture-fingerprints: Alertmanager version {version}", file=sys.stderr)

# One POST per set, so that a rejection points at its set.
for i, labels in enumerate(SETS, 1):
    code, text = post([labels])
    if code != 200:
        sys.exit(f"capture-fingerprints: set {i} {labels!r} rejected: HTTP {code} {text.strip()}")

alerts = get("/api/v2/alerts")
by_labels = {}
for a in alerts:
    by_labels.setdefault(key(a["labels"]), set()).add(a["fingerprint"])
distinct = {key(l) for l in SETS}
if len(alerts) != len(distinct):
    sys.exit(f"capture-fingerprints: expected {len(distinct)} alerts (distinct label sets), got {len(alerts)}")

vectors = []
for i, labels in enumerate(SETS, 1):
    fps = by_labels.get(key(labels))
    if not fps or len(fps) != 1:
        sys.exit(f"capture-fingerprints: set {i}: no unique alert with labels {labels!r} in GET (found {fps})")
    fp = next(iter(fps))
    if len(fp) != 16 or any(c not in "0123456789abcdef" for c in fp):
        sys.exit(f"capture-fingerprints: set {i}: unexpected fingerprint format {fp!r}")
    vectors.append({"labels": labels, "fingerprint": fp})

if vectors[1]["fingerprint"] != vectors[2]["fingerprint"]:
    sys.exit("capture-fingerprints: reordered set 3 got a different fingerprint than set 2")

with open(os.path.join(OUT, "fingerprints.json"), "w", encoding="utf-8") as f:
    json.dump(vectors, f, ensure_ascii=False, indent=2)
    f.write("\n")
print(f"capture-fingerprints: wrote {len(vectors)} vectors ({len(distinct)} distinct label sets) "
      f"to {OUT}/fingerprints.json", file=sys.stderr)

# The empty-value probe, after the vectors were taken (it must not disturb them).
before = {a["fingerprint"] for a in alerts}
code, text = post([EMPTY_PROBE])
probe = {"posted_labels": EMPTY_PROBE, "http_status": code, "response_body": text.strip()}
if code == 200:
    new = [a for a in get("/api/v2/alerts") if a["fingerprint"] not in before]
    probe["returned_alerts"] = [{"labels": a["labels"], "fingerprint": a["fingerprint"]} for a in new]
    if len(new) == 1:
        dropped = sorted(set(EMPTY_PROBE) - set(new[0]["labels"]))
        probe["outcome"] = ("accepted; label(s) with empty value dropped: " + ", ".join(dropped)) if dropped \
            else "accepted; empty-valued label kept"
    else:
        probe["outcome"] = f"accepted; {len(new)} new alerts visible"
else:
    probe["outcome"] = "rejected"
probe["alertmanager_version"] = version
with open(os.path.join(OUT, "empty-value.json"), "w", encoding="utf-8") as f:
    json.dump(probe, f, ensure_ascii=False, indent=2)
    f.write("\n")
print(f"capture-fingerprints: empty-value probe: HTTP {code}, {probe['outcome']}", file=sys.stderr)
PY
