#!/bin/sh
# README.md documents every key that a program's --help lists.
# usage: readme_keys.sh <README.md> <program>...
readme=$1
shift
fails=0
for exe in "$@"; do
    name=$(basename "$exe")
    for k in $("$exe" --help | sed -n 's/^  \([a-z_0-9]*\) .*/\1/p'); do
        if grep -q "\`$k\`" "$readme"; then
            echo "PASS $name key $k is in README.md"
        else
            echo "FAIL $name key $k is missing from README.md"
            fails=$((fails + 1))
        fi
    done
done
[ "$fails" -eq 0 ]
