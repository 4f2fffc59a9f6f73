# Floating-point numbers, masked on valgrind boots (scripts/check-apps):
# in linked mode musl's printf runs under valgrind, whose x87 long double
# has 64 bits, and prints e.g. 3.1415926535897 for 3.1415926535898.
s/[0-9]+\.[0-9]+([eE][-+]?[0-9]+)?|[0-9]+[eE][-+]?[0-9]+/F/g
