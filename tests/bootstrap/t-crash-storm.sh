#!/bin/sh
# t-crash-storm.sh -- 1,000 invocations of which 2% segfault, 1% abort and
# a few are SIGKILLed (as by the OOM killer): every invocation gets exactly
# one answer, the errors name their signal, the rest succeed, and bootstrap
# is still serving afterwards.
. "$SRC/tests/bootstrap/lib.sh"
export ASAN_OPTIONS=handle_segv=0:detect_leaks=0 # let SIGSEGV kill the worker in sanitized builds too
for w in ok segv abort kill; do event "$w" "$w"; done
: > "$T/script"
i=0
while [ $i -lt 1000 ]; do
    i=$((i + 1))
    if [ $((i % 50)) -eq 7 ]; then w=segv
    elif [ $((i % 100)) -eq 55 ]; then w=abort
    elif [ $((i % 250)) -eq 99 ]; then w=kill
    else w=ok; fi
    printf 'invoke\t%s\tid=r%04d-%s\n' "$T/$w" "$i" "$w" >> "$T/script"
done
run --server "-t 600" probe.chaos # -t: a bound for a busy machine, not a speed check

ids() { sed 's|.*/invocation/\([^/]*\)/.*|\1|' "$T"/rec/post-*.path | sort; }
check "1000 posts" [ "$(post_count)" = 1000 ]
check "exactly one answer per request id" [ "$(ids | uniq | wc -l)" = 1000 ]
check "20 segfaults answered as errors" \
    [ "$(grep -l 'signal: segmentation fault' "$T"/rec/post-*.body | wc -l)" = 20 ]
check "10 aborts answered as errors" [ "$(grep -l 'signal: aborted' "$T"/rec/post-*.body | wc -l)" = 10 ]
check "4 SIGKILLs answered as errors" [ "$(grep -l 'signal: killed' "$T"/rec/post-*.body | wc -l)" = 4 ]
check "each error is on its own invocation" \
    [ "$(grep -l 'Runtime.ExitError' "$T"/rec/post-*.body | xargs -n1 sh -c 'cat "${0%.body}.path"' | grep -vc -e '-segv/error' -e '-abort/error' -e '-kill/error')" = 0 ]
check "the other 966 succeed" [ "$(grep -lx ok "$T"/rec/post-*.body | wc -l)" = 966 ]
check "still serving afterwards, then stopped cleanly" [ "$(status)" = "exit 0" ]
finish
