#!/usr/bin/env python3
"""Adds lock entries for msgpackr-extract's non-Linux prebuilt packages.

BullMQ -> msgpackr -> msgpackr-extract lists optional prebuilds for every platform. The npm registry these
machines reach serves only the Linux ones, so `npm install` leaves the others out of package-lock.json and
`npm ci` then refuses the lock as out of sync. The entries added here only name version, os and cpu: npm ci
skips them on Linux (wrong platform) and never fetches them. Run after any `npm install` that rewrites the lock:
    python3 scripts/lock-platform-stubs.py
"""
import json
import pathlib

LOCK = pathlib.Path(__file__).resolve().parent.parent / "package-lock.json"
PLATFORMS = {"darwin-arm64": ("darwin", "arm64"), "darwin-x64": ("darwin", "x64"),
             "linux-arm": ("linux", "arm"), "win32-x64": ("win32", "x64")}

lock = json.loads(LOCK.read_text())
packages = lock["packages"]
parent = packages.get("node_modules/msgpackr-extract")
if parent is None:
    raise SystemExit("msgpackr-extract is not in the lock; nothing to do")
version = parent["version"]
stubs = {}
for name, (os_name, cpu) in PLATFORMS.items():
    key = f"node_modules/@msgpackr-extract/msgpackr-extract-{name}"
    if key not in packages:
        stubs[key] = {"version": version, "cpu": [cpu], "license": "MIT", "optional": True, "os": [os_name]}
added = [k.rsplit("-extract-", 1)[1] for k in stubs]
# Insert before the first entry that sorts after them, keeping npm's order for everything else.
ordered = {}
for key, value in packages.items():
    for stub in [s for s in stubs if s < key and key != ""]:
        ordered[stub] = stubs.pop(stub)
    ordered[key] = value
ordered.update(stubs)
lock["packages"] = ordered
LOCK.write_text(json.dumps(lock, indent=2) + "\n")
print(f"added: {', '.join(added) or 'nothing'}")
