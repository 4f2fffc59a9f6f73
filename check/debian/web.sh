# curl against nginx on 127.0.0.1 (both in the image; a port no host
# service should hold, as the host's run shares the host's loopback).
set -u
mkdir -p /tmp/www /tmp/nginx && echo "hello from nginx" > /tmp/www/index.html
cat > /tmp/nginx/nginx.conf <<'CONF'
worker_processes 1;
pid /tmp/nginx/nginx.pid;
error_log /tmp/nginx/error.log;
events { worker_connections 64; }
http {
	access_log off;
	client_body_temp_path /tmp/nginx;
	server {
		listen 127.0.0.1:18093;
		root /tmp/www;
		location /echo { return 200 "method $request_method\n"; }
	}
}
CONF
nginx -c /tmp/nginx/nginx.conf && echo "nginx started"
for i in $(seq 50); do curl -s -o /dev/null http://127.0.0.1:18093/ && break; sleep 0.1; done
curl -s http://127.0.0.1:18093/
curl -s -o /dev/null -w '%{http_code} %{size_download}\n' http://127.0.0.1:18093/missing
curl -s -X POST http://127.0.0.1:18093/echo
curl -sI http://127.0.0.1:18093/ | grep -iE '^(HTTP|content-length)' | tr -d '\r'
nginx -c /tmp/nginx/nginx.conf -s quit 2>/dev/null && echo "nginx stopped"
for i in $(seq 50); do [ -e /tmp/nginx/nginx.pid ] || break; sleep 0.1; done
curl -s -m 2 http://127.0.0.1:18093/ >/dev/null; echo "after quit: $?"
