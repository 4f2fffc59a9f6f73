#!/t/bin/sh
echo "script argv: $0 $# $*"
exit 5
