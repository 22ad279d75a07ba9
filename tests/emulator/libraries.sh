#!/bin/bash
# libraries.sh -- the bootstrap built the way the image builds it (with the
# minimal libcurl, --with-curl=minimal or =PREFIX) maps no TLS, Kerberos or
# LDAP library, nor any other library of Debian's libcurl that a plain-HTTP
# loopback client never uses: read from /proc/PID/maps of every bootstrap
# process while it serves an invoke through the emulator.  A build against
# Debian's shared libcurl (--with-curl=system) maps them all; it is skipped.
set -u
. "$top_srcdir/tests/emulator/lib.sh"

bootstrap="$top_builddir/src/bootstrap/bootstrap"
if [ "${curl_flavour:-}" != minimal ]; then
  echo "SKIP: this build links Debian's shared libcurl (configure --with-curl=${curl_flavour:-?}), which loads TLS, Kerberos and LDAP libraries; configure --with-curl=minimal to check the image's bootstrap"
  exit 77
fi
ln -s "$top_builddir/plugins/.libs/echo.so" "$task_root/"
start_emulator --runtime "$bootstrap" --task-root "$task_root" echo.handler
out=$(curl -sS --max-time 30 -d '{"ping":42}' "$(invoke_url)") || fail "invoke failed"
[ "$out" = '{"ping":42}' ] || fail "echo.handler answered '$out'"

# descendants PID: every process below PID.
descendants() {
  local c
  for c in $(ps -o pid= --ppid "$1"); do echo "$c"; descendants "$c"; done
}
pids=$(descendants "$emu_pid")
[ -n "$pids" ] || fail "no bootstrap process under the emulator (pid $emu_pid)"
forbidden='/lib(ssl|crypto|gnutls|nss3|gssapi_krb5|krb5|k5crypto|krb5support|ldap|lber|sasl2|ssh2?|idn2|psl|nghttp2|brotli(dec|common)|zstd|rtmp|z)[.-]'
for pid in $pids; do
  exe=$(readlink "/proc/$pid/exe") || fail "process $pid vanished"
  # libtool's wrapper runs the real binary from .libs/ (as lt-bootstrap).
  case $exe in "$(cd "$top_builddir/src/bootstrap" && pwd -P)"/*bootstrap) ;; *) continue ;; esac
  libs=$(awk '$6 ~ /\.so/ { print $6 }' "/proc/$pid/maps" | sort -u)
  echo "bootstrap pid $pid maps:"; printf '  %s\n' $libs
  # The listing works: json-c, which bootstrap does use, is there.
  printf '%s\n' "$libs" | grep -q '/libjson-c\.so' || fail "pid $pid: libjson-c not among its mapped libraries"
  bad=$(printf '%s\n' "$libs" | grep -E "$forbidden")
  [ -z "$bad" ] || fail "bootstrap (pid $pid) maps libraries it does not need: $(echo $bad)"
  checked=$((${checked:-0} + 1))
done
[ "${checked:-0}" -gt 0 ] || fail "no process under the emulator runs $bootstrap"
stop_emulator
echo "ok: $checked bootstrap process(es) map no TLS, Kerberos, LDAP, compression, IDN, PSL, SSH or HTTP/2 library"
