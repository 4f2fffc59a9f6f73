"""Shared pieces of the test drivers (run-guest-tests, run-contract).

  oracle(cpio, words)   run words[0] with argv words on the host Linux as
                        init of a fresh initramfs root (check/contract/
                        oracle), answered from a cache keyed by the hash
                        of everything that decides the answer: the
                        archive's bytes, the oracle script and the words
  kos_output(text)      a KOS console log without the firmware's and the
                        EFI stub's lines and without kernel log lines
  run(cmd, log, t)      run a command with a time limit, keep its output

The cache lives in $BUILD/oracle-cache/ (one JSON file per answer, written
atomically, so drivers running in parallel can share it).  Linux answers
the same way for the same input; what could change it (kernel upgrade on
the host) is outside the key, so `make clean` or --refresh start afresh.
"""
import hashlib
import json
import os
import re
import signal
import subprocess

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get('BUILD', 'build')
ORACLE = os.path.join(TOP, 'check/contract/oracle')
CACHE = os.path.join(TOP, BUILD, 'oracle-cache')
KLOG = re.compile(r'^\[ *[0-9]+\.[0-9]{6}\] ')
STUB_DONE = 'KOS stub: entering kernel'

_file_hashes = {}


def file_hash(path):
    """sha256 of a file's bytes (memoized per path and mtime)."""
    st = os.stat(path)
    key = (os.path.realpath(path), st.st_mtime_ns, st.st_size)
    if key not in _file_hashes:
        h = hashlib.sha256()
        with open(path, 'rb') as f:
            for block in iter(lambda: f.read(1 << 20), b''):
                h.update(block)
        _file_hashes[key] = h.hexdigest()
    return _file_hashes[key]


def run(cmd, logfile, timeout, cwd=TOP):
    """Run cmd (stdin closed, stderr into stdout) for at most timeout
    seconds; write its output to logfile.  Returns (text, rc) with rc
    'timeout' if it had to be killed (with everything it started)."""
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         cwd=cwd, start_new_session=True)
    try:
        out, _ = p.communicate(timeout=timeout)
        rc = p.returncode
    except subprocess.TimeoutExpired:
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        out, _ = p.communicate()
        rc = 'timeout'
    text = out.decode('utf-8', 'replace')
    if logfile:
        with open(os.path.join(TOP, logfile), 'w') as f:
            f.write(text)
    return text, rc


def oracle(cpio, words, refresh=False, logfile=None, timeout=600,
           ext4=None):
    """(output, exit status) of words run by the host Linux as init."""
    disk = ['ext4:' + file_hash(ext4)] if ext4 else []
    key = hashlib.sha256('\0'.join(
        [file_hash(cpio), file_hash(ORACLE)] + disk + list(words)).encode()
    ).hexdigest()
    path = os.path.join(CACHE, key[:2], key + '.json')

    def cached():
        if refresh or not os.path.exists(path):
            return None
        with open(path) as f:
            got = json.load(f)
        if logfile:
            with open(os.path.join(TOP, logfile), 'w') as f:
                f.write(got['output'])
        return got['output'], got['status']

    got = cached()
    if got:
        return got
    # One oracle run at a time on this machine: the suites of make check
    # run in parallel and may ask the same question at once, and two runs
    # as one user (a fork bomb under RLIMIT_NPROC) would share its limit.
    import fcntl
    os.makedirs(CACHE, exist_ok=True)
    with open(os.path.join(CACHE, '.lock'), 'w') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        got = cached()
        if got:
            return got
        opt = ['--ext4', os.path.realpath(ext4)] if ext4 else []
        text, rc = run([ORACLE] + opt + [os.path.realpath(cpio)] +
                       list(words), logfile, timeout)
        if rc == 'timeout':
            return text, rc
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = '%s.%d.tmp' % (path, os.getpid())
        with open(tmp, 'w') as f:
            json.dump({'words': list(words), 'output': text, 'status': rc},
                      f)
        os.replace(tmp, path)
    return text, rc


def kos_output(text, metal):
    """Lines of a KOS run that the programs wrote: without what firmware
    and stub printed before the kernel (metal) and without kernel log
    lines; carriage returns from the serial line removed."""
    lines = []
    started = not metal
    for line in text.replace('\r', '').split('\n'):
        if not started:
            started = line.startswith(STUB_DONE)
            continue
        if KLOG.match(line):
            continue
        lines.append(line)
    return lines


def parse_cases(path):
    """check/guest/cases.txt -> [(name, words, compare spec or '')].

    A line is "NAME | COMMAND WORDS... [#compare=SPEC]"; the words are
    split like a POSIX shell splits them (quotes group).  Blank lines and
    '#' lines are skipped."""
    import shlex
    cases = []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip('\n')
            if not line.strip() or line.lstrip().startswith('#'):
                continue
            if '|' not in line:
                raise SystemExit('%s:%d: want "NAME | COMMAND"' % (path, n))
            name, cmd = line.split('|', 1)
            spec = ''
            if '#compare=' in cmd:
                cmd, spec = cmd.split('#compare=', 1)
            words = shlex.split(cmd)
            if not words or any('\t' in w or '\n' in w for w in words):
                raise SystemExit('%s:%d: no command, or a tab in a word'
                                 % (path, n))
            cases.append((name.strip(), words, spec.strip()))
    return cases


def write_batch_list(cases, out):
    """The kernel's batch= list (libkos/kern/batch.c): name and argv,
    tab separated, one case per line."""
    with open(out, 'w') as f:
        f.write('# generated from check/guest/cases.txt: NAME<TAB>ARGV...\n')
        for name, words, _ in cases:
            f.write('\t'.join([name] + words) + '\n')


if __name__ == '__main__':
    import sys
    if len(sys.argv) == 4 and sys.argv[1] == 'batch-list':
        write_batch_list(parse_cases(sys.argv[2]), sys.argv[3])
    else:
        sys.exit('usage: kostest.py batch-list CASES.TXT OUT')
