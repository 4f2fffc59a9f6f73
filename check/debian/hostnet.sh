# The network between the system under test and the host (the peer,
# scripts/check-debian-peer, at $KOS_PEER: 10.0.2.2 on both sides, the
# host's 127.0.0.1 through user networking on KOS, a network name space
# of the peer's own for the host's chroot).  Outward: curl fetches and
# posts to the peer's fixed tree.  Inward: nginx here serves what was
# fetched, and the peer's /inward runs the host's curl against it
# (through a port forward on KOS).
set -u
peer=http://${KOS_PEER:?no KOS_PEER}
mkdir -p /tmp/hn/www /tmp/hn/nginx && cd /tmp/hn || exit 1

echo "-- outward"
curl -sS "$peer/index.html"
curl -sS -o www/blob.bin -w '%{http_code} %{content_type} %{size_download}\n' "$peer/data/blob.bin"
curl -sS -o www/index.html "$peer/index.html"
curl -sS "$peer/data/SHA256SUMS" > sums && (cd www && sha256sum -c ../sums)
curl -s -o /dev/null -w '%{http_code}\n' "$peer/missing"
curl -sI "$peer/index.html" | grep -iE '^(HTTP|content-length|x-kos-peer)' | tr -d '\r'
echo "local:  $(sha256sum < www/blob.bin | cut -d' ' -f1)"
curl -sS --data-binary @www/blob.bin -H 'Content-Type: application/octet-stream' "$peer/upload"
python3 - "$peer" <<'PY'
import sys, urllib.request
with urllib.request.urlopen(sys.argv[1] + '/data/blob.bin') as r:
    data = r.read()
print('python urllib:', r.status, len(data))
PY

echo "-- inward"
cat > nginx/nginx.conf <<'CONF'
worker_processes 1;
pid /tmp/hn/nginx/nginx.pid;
error_log /tmp/hn/nginx/error.log;
events { worker_connections 64; }
http {
	access_log off;
	client_body_temp_path /tmp/hn/nginx;
	types { text/html html; application/octet-stream bin; }
	server {
		listen 18094;
		root /tmp/hn/www;
	}
}
CONF
nginx -c /tmp/hn/nginx/nginx.conf && echo "nginx started"
for i in $(seq 50); do curl -s -o /dev/null http://127.0.0.1:18094/ && break; sleep 0.1; done
curl -sS "$peer/inward"
nginx -c /tmp/hn/nginx/nginx.conf -s quit 2>/dev/null && echo "nginx stopped"
for i in $(seq 50); do [ -e /tmp/hn/nginx/nginx.pid ] || break; sleep 0.1; done
