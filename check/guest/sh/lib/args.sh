#!/t/bin/sh -e
echo "with an interpreter argument: -e set: $(case $- in *e*) echo yes;; *) echo no;; esac)"
false
echo "not reached"
