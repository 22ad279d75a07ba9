#!/usr/bin/env python3
"""summary_lines.py LOG REQUEST-ID... -- the sample C extension's SUMMARY
lines in LOG (the emulator's output) match the invocations: exactly one per
request id, in the callers' order, each with its REPORT line's Duration
(the 2-decimal rounding of the same figure) and Max Memory Used, a
positive Duration and a plausible memory figure.  Exits 1 with what differs.
Used by tests/emulator/extension-c.sh and the image suite."""
import re
import sys

log, want = sys.argv[1], sys.argv[2:]
out = open(log, errors="replace").read()
summ = re.findall(r"^SUMMARY RequestId: (\S+) Status: success Duration: ([0-9.]+) ms "
                  r"Billed Duration: \d+ ms Max Memory Used: (\d+) MB$", out, re.M)
rep = {m[0]: m[1:] for m in re.findall(
    r"^REPORT RequestId: (\S+)\tDuration: ([0-9.]+) ms\tBilled Duration: \d+ ms\t"
    r"Memory Size: (\d+) MB\tMax Memory Used: (\d+) MB", out, re.M)}
problems = []
if [s[0] for s in summ] != want:
    problems.append("SUMMARY request ids %s, the callers' %s" % ([s[0] for s in summ], want))
for rid, dur, mem in summ:
    if rid not in rep:
        problems.append("%s: a SUMMARY line but no REPORT line" % rid)
        continue
    rdur, size, rmem = rep[rid]
    if abs(float(dur) - float(rdur)) > 0.011:
        problems.append("%s: Duration %s ms, REPORT's %s ms" % (rid, dur, rdur))
    if mem != rmem:
        problems.append("%s: Max Memory Used %s MB, REPORT's %s MB" % (rid, mem, rmem))
    if not float(dur) > 0 or not 1 <= int(mem) <= int(size):
        problems.append("%s: implausible Duration %s ms or Max Memory Used %s MB (of %s)"
                        % (rid, dur, mem, size))
if problems:
    print("\n".join(problems))
    print("".join(l + "\n" for l in out.splitlines() if l.startswith(("SUMMARY", "REPORT"))))
    sys.exit(1)
print("%d SUMMARY lines match the REPORT lines" % len(summ))
