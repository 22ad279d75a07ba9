#!/bin/sh
# t-payloads.sh -- payloads are binary safe and 6 MB each way: the echo
# plugin returns exactly the bytes it got (every byte value, NULs, an empty
# event, 6 MB), without Expect: 100-continue.
. "$SRC/tests/bootstrap/lib.sh"

python3 -c 'import sys; sys.stdout.buffer.write(bytes(range(256)) * 4)' > "$T/binary.bin"
: > "$T/empty.bin"
# 6 MB = 6291456 bytes, Lambda's synchronous limit
python3 -c 'import sys,os; sys.stdout.buffer.write(os.urandom(6291456))' > "$T/big.bin"

script "invoke${TAB}$T/binary.bin" "invoke${TAB}$T/empty.bin" "invoke${TAB}$T/big.bin" "invoke${TAB}$T/binary.bin"
run echo.handler

check "four answers, still serving" [ "$(post_count)|$(status)" = "4|exit 0" ]
check "binary payload echoed byte for byte" cmp -s "$T/binary.bin" "$T/rec/post-1.body"
check "empty payload echoed" cmp -s "$T/empty.bin" "$T/rec/post-2.body"
check "6 MB payload echoed byte for byte" cmp -s "$T/big.bin" "$T/rec/post-3.body"
check "6 MB post declared its length" [ "$(post_header 3 Content-Length | tr -d '\r')" = 6291456 ]
check "6 MB post without Expect: 100-continue" sh -c "! grep -qi '^Expect:' '$T/rec/post-3.headers'"
check "the loop goes on after a big payload" cmp -s "$T/binary.bin" "$T/rec/post-4.body"
[ "$failures" = 0 ] || show_stderr
finish
