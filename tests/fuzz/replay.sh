#!/bin/sh
# replay.sh -- the LOG_COMPILER of tests/fuzz: runs one fuzz target (./fuzz-NAME)
# once on every input of its seed corpus, corpus/NAME/ (seeds and the inputs
# of crashes found and fixed).  A crash or a broken invariant fails the test.
set -u
target=$1
name=$(basename "$target" | sed 's/^fuzz-//')
dir="${srcdir:-.}/corpus/$name"
set -- "$dir"/*
if [ ! -f "$1" ]; then
  echo "replay.sh: no corpus in $dir for $target" >&2
  exit 99
fi
echo "replay: $target on $# input(s) of $dir"
# a libFuzzer binary given files runs each once, as replay.c does
exec "$target" "$@"
