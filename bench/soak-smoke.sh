#!/bin/sh
# soak-smoke.sh -- a short run of the soak bench (bench/soak) as a test:
# 500 invocations from 20 clients with the same 2% segfaults and 1%
# timeouts; nothing may be lost, duplicated or answered wrongly.  The RSS
# figures need the full run (make soak) and are not judged here.
exec "$top_srcdir/bench/soak" "$top_builddir" -n 500 -c 20
