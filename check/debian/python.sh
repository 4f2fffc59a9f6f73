# python3: -c basics, subprocess, threading, multiprocessing (fork and
# spawn), a loopback socket, json, sqlite3.
set -u
python3 -c 'import sys; print(sum(range(100)), sys.version_info[:2], sorted({3: 1, 1: 2}))'
python3 -c 'print([x * x for x in range(5)], "%.4f" % (22 / 7), int("ff", 16), "ünïcode".upper())'
cat > /tmp/t.py <<'PY'
import json, os, socket, sqlite3, subprocess, sys, threading, tempfile
import multiprocessing as mp
import hashlib, zlib, re, collections, itertools, datetime

def sq(x):
    return x * x

def main():
    r = subprocess.run(["sh", "-c", "echo out; echo err >&2; exit 3"],
                       capture_output=True, text=True)
    print("subprocess", r.returncode, r.stdout.strip(), r.stderr.strip())
    print("check_output", subprocess.check_output(["seq", "3"]).split())
    p = subprocess.Popen(["cat"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    print("popen", p.communicate(b"piped")[0], p.returncode)

    total, lock = [0], threading.Lock()
    def work(n):
        for _ in range(n):
            with lock:
                total[0] += 1
    ts = [threading.Thread(target=work, args=(1000,)) for _ in range(4)]
    [t.start() for t in ts]; [t.join() for t in ts]
    print("threads", total[0])
    ev, out = threading.Event(), []
    t = threading.Thread(target=lambda: (ev.wait(), out.append("woken")))
    t.start(); ev.set(); t.join(); print("event", out)

    for method in ("fork", "spawn"):
        ctx = mp.get_context(method)
        with ctx.Pool(2) as pool:
            print(method, pool.map(sq, range(6)))
        q = ctx.Queue()
        pr = ctx.Process(target=q.put, args=(method + " queue",))
        pr.start(); print(q.get()); pr.join(); print("exitcode", pr.exitcode)

    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0)); srv.listen(1)
    port = srv.getsockname()[1]
    def serve():
        c, _ = srv.accept()
        c.sendall(c.recv(100).upper()); c.close()
    th = threading.Thread(target=serve); th.start()
    cl = socket.create_connection(("127.0.0.1", port))
    cl.sendall(b"hello socket"); print("socket", cl.recv(100)); cl.close(); th.join()
    a, b = socket.socketpair(); a.sendall(b"pair"); print("socketpair", b.recv(10))
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", 0))
    u.sendto(b"dgram", u.getsockname()); print("udp", u.recvfrom(10)[0])

    d = {"a": [1, 2.5, None, True], "b": {"c": "ü"}}
    s = json.dumps(d, sort_keys=True); print("json", s, json.loads(s) == d)

    with tempfile.TemporaryDirectory() as tmp:
        db = sqlite3.connect(os.path.join(tmp, "t.db"))
        db.execute("create table t (k integer primary key, v text)")
        db.executemany("insert into t (v) values (?)", [("x",), ("y",), ("z",)])
        db.commit()
        print("sqlite", db.execute("select count(*), group_concat(v) from t").fetchone(),
              sqlite3.sqlite_version_info >= (3, 0))
        db.close()
        with open(os.path.join(tmp, "f"), "w") as f:
            f.write("x" * 10000)
        print("file", os.path.getsize(os.path.join(tmp, "f")), sorted(os.listdir(tmp)))

    print("hash", hashlib.sha256(b"kos").hexdigest()[:16], zlib.crc32(b"kos"))
    print("re", re.findall(r"\d+", "a1b22c333"), collections.Counter("abracadabra").most_common(2))
    print("time", datetime.datetime.fromtimestamp(0, datetime.timezone.utc).isoformat())
    print("os", os.getuid(), os.cpu_count() >= 1, os.path.exists("/proc/self/maps"))

if __name__ == "__main__":
    main()
PY
python3 /tmp/t.py
