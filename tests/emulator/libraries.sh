#!/bin/bash
# libraries.sh -- the programs built the way the image builds them map no
# library they never use, read from /proc/PID/maps while they serve an
# invoke:
#   - bootstrap with the minimal libcurl (--with-curl=minimal or =PREFIX):
#     no TLS, Kerberos or LDAP library, nor any other library of Debian's
#     libcurl that a plain-HTTP loopback client never uses;
#   - lambda-emulator with the minimal libmicrohttpd (--with-microhttpd=
#     minimal or =PREFIX): no GnuTLS nor its chain (nettle, hogweed, gmp,
#     p11-kit, tasn1, idn2, unistring, ffi), which Debian's libmicrohttpd
#     loads for HTTPS the emulator never serves.
# A build against Debian's shared library (=system) maps them all: that
# program's check is skipped; the test is skipped when both are.
set -u
. "$top_srcdir/tests/emulator/lib.sh"

bootstrap="$top_builddir/src/bootstrap/bootstrap"
if [ "${curl_flavour:-}" != minimal ] && [ "${mhd_flavour:-}" != minimal ]; then
  echo "SKIP: this build links Debian's shared libcurl and libmicrohttpd (configure --with-curl=${curl_flavour:-?} --with-microhttpd=${mhd_flavour:-?}), which load TLS libraries; configure --with-curl=minimal --with-microhttpd=minimal to check the image's programs"
  exit 77
fi
ln -s "$top_builddir/plugins/.libs/echo.so" "$task_root/"
start_emulator --runtime "$bootstrap" --task-root "$task_root" echo.handler
out=$(curl -sS --max-time 30 -d '{"ping":42}' "$(invoke_url)") || fail "invoke failed"
[ "$out" = '{"ping":42}' ] || fail "echo.handler answered '$out'"

# mapped_libs PID: the shared objects PID maps, one a line.
mapped_libs() { awk '$6 ~ /\.so/ { print $6 }' "/proc/$1/maps" | sort -u; }

# check_maps NAME PID FORBIDDEN: PID maps libc (the listing works) and no
# library matching the extended regex FORBIDDEN.
check_maps() {
  local libs bad
  libs=$(mapped_libs "$2") || fail "$1 (pid $2) vanished"
  echo "$1 pid $2 maps:"; printf '  %s\n' $libs
  printf '%s\n' "$libs" | grep -q '/libc\.so' || fail "pid $2: libc not among its mapped libraries"
  bad=$(printf '%s\n' "$libs" | grep -E "$3")
  [ -z "$bad" ] || fail "$1 (pid $2) maps libraries it does not need: $(echo $bad)"
}

# descendants PID: every process below PID.
descendants() {
  local c
  for c in $(ps -o pid= --ppid "$1"); do echo "$c"; descendants "$c"; done
}

check_bootstrap() {
  local pids pid exe checked=0
  pids=$(descendants "$emu_pid")
  [ -n "$pids" ] || fail "no bootstrap process under the emulator (pid $emu_pid)"
  local forbidden='/lib(ssl|crypto|gnutls|nss3|gssapi_krb5|krb5|k5crypto|krb5support|ldap|lber|sasl2|ssh2?|idn2|psl|nghttp2|brotli(dec|common)|zstd|rtmp|z)[.-]'
  for pid in $pids; do
    exe=$(readlink "/proc/$pid/exe") || fail "process $pid vanished"
    # libtool's wrapper runs the real binary from .libs/ (as lt-bootstrap).
    case $exe in "$(cd "$top_builddir/src/bootstrap" && pwd -P)"/*bootstrap) ;; *) continue ;; esac
    # json-c, which bootstrap does use, is there.
    mapped_libs "$pid" | grep -q '/libjson-c\.so' || fail "pid $pid: libjson-c not among its mapped libraries"
    check_maps bootstrap "$pid" "$forbidden"
    checked=$((checked + 1))
  done
  [ "$checked" -gt 0 ] || fail "no process under the emulator runs $bootstrap"
  echo "ok: $checked bootstrap process(es) map no TLS, Kerberos, LDAP, compression, IDN, PSL, SSH or HTTP/2 library"
}

check_emulator() {
  local exe
  exe=$(readlink "/proc/$emu_pid/exe") || fail "the emulator (pid $emu_pid) vanished"
  [ "$exe" = "$(cd "$top_builddir/src/emulator" && pwd -P)/lambda-emulator" ] ||
    fail "pid $emu_pid runs $exe, not the emulator"
  check_maps lambda-emulator "$emu_pid" '/lib(gnutls|nettle|hogweed|gmp|p11-kit|tasn1|idn2|unistring|ffi|gcrypt|gpg-error)[.-]'
  echo "ok: lambda-emulator maps no GnuTLS, nettle, p11-kit or the rest of GnuTLS's chain"
}

if [ "${curl_flavour:-}" = minimal ]; then
  check_bootstrap
else
  echo "bootstrap not checked: it links Debian's shared libcurl (--with-curl=${curl_flavour:-?})"
fi
if [ "${mhd_flavour:-}" = minimal ]; then
  check_emulator
else
  echo "lambda-emulator not checked: it links Debian's shared libmicrohttpd (--with-microhttpd=${mhd_flavour:-?})"
fi
stop_emulator
