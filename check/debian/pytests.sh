# python3's own unit tests (Debian's libpython3.11-testsuite), module by
# module, one line per test: PASS, FAIL, ERROR, SKIP (with the reason),
# XFAIL, XPASS, then a count per module.  Not in the default list: the
# table it makes is for docs/debian.md.  PYTESTS overrides the modules.
set -u
cat > /tmp/pyrun.py <<'PY'
import importlib, sys, unittest

class Result(unittest.TestResult):
    def __init__(self):
        super().__init__()
        self.n = {}
    def say(self, what, test, extra=""):
        self.n[what] = self.n.get(what, 0) + 1
        print(what, test.id(), extra, flush=True)
    def addSuccess(self, t): self.say("PASS", t)
    def addFailure(self, t, e): self.say("FAIL", t)
    def addError(self, t, e): self.say("ERROR", t, str(e[1]).splitlines()[0][:80] if str(e[1]) else "")
    def addSkip(self, t, r): self.say("SKIP", t, r[:80])
    def addExpectedFailure(self, t, e): self.say("XFAIL", t)
    def addUnexpectedSuccess(self, t): self.say("XPASS", t)

name = sys.argv[1]
mod = importlib.import_module("test." + name)
suite = unittest.defaultTestLoader.loadTestsFromModule(mod)
r = Result()
suite.run(r)
print("=== %s: %s" % (name, " ".join("%s %d" % kv for kv in sorted(r.n.items()))), flush=True)
PY
cd /tmp
for m in ${PYTESTS:-test_os test_posix test_fcntl test_select test_signal test_threading test_subprocess test_socket}; do
	timeout 900 python3 /tmp/pyrun.py "$m" 2>/dev/null
	echo "=== $m status $?"
done
