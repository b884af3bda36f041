#!/usr/bin/env bash
# The production topology, as docs/operations.md sets it up, on loopback: nginx (Debian) with
# TLS from a CA made here, two `walkthetalk serve` processes and two workers started from the
# systemd units in docs/deploy/, one PostgreSQL 15. Then a browser test signs in as a steward
# (with two-step sign-in) and votes as a participant over https through the proxy.
# Everything it starts is stopped, and its folder under /tmp removed, however it ends.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
DEPLOY="$ROOT/docs/deploy"
HTTPS_PORT=${WTT_TOPO_HTTPS_PORT:-18443}
HTTP_PORT=${WTT_TOPO_HTTP_PORT:-18440}
APP_PORTS=(${WTT_TOPO_APP_PORTS:-18441 18442})
PGPORT=${WTT_TOPO_PGPORT:-54339}
PGBIN=/usr/lib/postgresql/15/bin
TOPO=$(mktemp -d /tmp/wtt-topology.XXXXXX)
chmod 755 "$TOPO"
PIDS=()

run_pg() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi; }
cleanup() {
  set +e
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null; done
  [ -f "$TOPO/nginx.pid" ] && nginx -p "$TOPO" -c "$TOPO/nginx.conf" -s quit 2>/dev/null
  sleep 0.5
  run_pg "$PGBIN/pg_ctl -D $TOPO/pg/data -m fast stop" >/dev/null 2>&1
  rm -rf "$TOPO"
}
trap cleanup EXIT

echo "--- a certificate authority and a server certificate for localhost (openssl)"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=Walk the Talk CI CA" \
  -keyout "$TOPO/ca.key" -out "$TOPO/ca.pem" \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
  2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
  -keyout "$TOPO/privkey.pem" -out "$TOPO/server.csr" 2>/dev/null
printf 'subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' \
  >"$TOPO/server.ext"
openssl x509 -req -in "$TOPO/server.csr" -CA "$TOPO/ca.pem" -CAkey "$TOPO/ca.key" \
  -CAcreateserial -days 2 -extfile "$TOPO/server.ext" -out "$TOPO/fullchain.pem" 2>/dev/null
# Chromium trusts the CA through an NSS database in its own home folder.
mkdir -p "$TOPO/home/.pki/nssdb"
certutil -N --empty-password -d "sql:$TOPO/home/.pki/nssdb"
certutil -A -n "Walk the Talk CI CA" -t "C,," -i "$TOPO/ca.pem" -d "sql:$TOPO/home/.pki/nssdb"

echo "--- PostgreSQL 15 on 127.0.0.1:$PGPORT"
mkdir -p "$TOPO/pg"
chown postgres "$TOPO/pg" 2>/dev/null || true
run_pg "$PGBIN/initdb -D $TOPO/pg/data -U postgres --auth=trust -E UTF8 >/dev/null"
run_pg "$PGBIN/pg_ctl -D $TOPO/pg/data -o '-p $PGPORT -k $TOPO/pg -c listen_addresses=127.0.0.1' -w -l $TOPO/pg/log start >/dev/null"
run_pg "$PGBIN/createdb -h 127.0.0.1 -p $PGPORT -U postgres walkthetalk"

echo "--- the environment file from docs/deploy/walkthetalk.env (site values changed)"
mkdir -p "$TOPO/data"
SECRET=$(python -c 'import secrets; print(secrets.token_urlsafe(50))')
sed -e "s|^WALKTHETALK_SECRET_KEY=.*|WALKTHETALK_SECRET_KEY=$SECRET|" \
    -e "s|^WALKTHETALK_ALLOWED_HOSTS=.*|WALKTHETALK_ALLOWED_HOSTS=localhost|" \
    -e "s|^WALKTHETALK_DATA=.*|WALKTHETALK_DATA=$TOPO/data|" \
    -e "s|^DATABASE_URL=.*|DATABASE_URL=postgres://postgres@127.0.0.1:$PGPORT/walkthetalk|" \
    "$DEPLOY/walkthetalk.env" >"$TOPO/env"
chmod 600 "$TOPO/env"
set -a; . "$TOPO/env"; set +a
unset DJANGO_ALLOW_ASYNC_UNSAFE

echo "--- migrate, collectstatic, check --deploy, setup (docs/operations.md step 3)"
walkthetalk migrate -v 0
walkthetalk collectstatic --noinput -v 0
walkthetalk check --deploy --fail-level WARNING
STEWARD_PASSWORD=$(python -c 'import secrets; print(secrets.token_urlsafe(18))')
WALKTHETALK_SETUP_PASSWORD="$STEWARD_PASSWORD" walkthetalk setup --username first-steward
CONVERSATION=$(walkthetalk shell -v 0 -c "
from walkthetalk.caremap.models import CareSystem
from walkthetalk.conversations import services
conv = services.create_conversation(
    CareSystem.objects.get(slug='riverbend'), 'Topology check',
    seed_statements=['We say what is not working.', 'Supervisors have time for us.',
                     'People in recovery sit at every table.', 'We talk about mistakes.',
                     'Funders hear from direct care staff.'])
print(conv.public_id)")

echo "--- two servers and two workers, started by the ExecStart of docs/deploy's units"
exec_start() {  # the unit's ExecStart, with this venv's walkthetalk and the instance name
  sed -n 's/^ExecStart=//p' "$1" | sed -e "s|/opt/walkthetalk/venv/bin/walkthetalk|walkthetalk|" \
    -e "s|%i|$2|g"
}
for port in "${APP_PORTS[@]}"; do
  # shellcheck disable=SC2046
  $(exec_start "$DEPLOY/walkthetalk@.service" "$port") --workers 2 >"$TOPO/serve-$port.log" 2>&1 &
  PIDS+=($!)
done
for n in 1 2; do
  # shellcheck disable=SC2046
  $(exec_start "$DEPLOY/walkthetalk-worker@.service" "$n") >"$TOPO/worker-$n.log" 2>&1 &
  PIDS+=($!)
done

echo "--- nginx with docs/deploy/nginx-walkthetalk.conf (host, ports, certificate changed)"
mkdir -p "$TOPO/nginx-tmp" && chmod 1777 "$TOPO/nginx-tmp"
sed -e "s|care.example.org|localhost|g" \
    -e "s|listen 443 ssl default_server;|listen 127.0.0.1:$HTTPS_PORT ssl default_server;|" \
    -e "s|listen 80 default_server;|listen 127.0.0.1:$HTTP_PORT default_server;|" \
    -e "s|https://\$host\$request_uri|https://\$host:$HTTPS_PORT\$request_uri|" \
    -e "s|/etc/ssl/walkthetalk/|$TOPO/|g" \
    -e "s|127.0.0.1:8001|127.0.0.1:${APP_PORTS[0]}|" \
    -e "s|127.0.0.1:8002|127.0.0.1:${APP_PORTS[1]}|" \
    "$DEPLOY/nginx-walkthetalk.conf" >"$TOPO/walkthetalk.conf"
cat >"$TOPO/nginx.conf" <<NGINX
worker_processes 1;
pid $TOPO/nginx.pid;
error_log $TOPO/nginx-error.log crit;
events { worker_connections 256; }
http {
  include /etc/nginx/mime.types;
  client_body_temp_path $TOPO/nginx-tmp/body;
  proxy_temp_path $TOPO/nginx-tmp/proxy;
  fastcgi_temp_path $TOPO/nginx-tmp/fastcgi;
  uwsgi_temp_path $TOPO/nginx-tmp/uwsgi;
  scgi_temp_path $TOPO/nginx-tmp/scgi;
  include $TOPO/walkthetalk.conf;
}
NGINX
nginx -p "$TOPO" -c "$TOPO/nginx.conf" -t 2>&1 | grep -v 'warn' || true
nginx -p "$TOPO" -c "$TOPO/nginx.conf"

for _ in $(seq 1 120); do
  if curl -fsS --cacert "$TOPO/ca.pem" "https://localhost:$HTTPS_PORT/healthz" >/dev/null 2>&1; then
    break
  fi
  sleep 0.5
done
curl -fsS --cacert "$TOPO/ca.pem" "https://localhost:$HTTPS_PORT/healthz"; echo

echo "--- the browser test through the proxy"
WALKTHETALK_TOPOLOGY_URL="https://localhost:$HTTPS_PORT" \
WALKTHETALK_TOPOLOGY_HOME="$TOPO/home" \
WALKTHETALK_TOPOLOGY_STEWARD=first-steward \
WALKTHETALK_TOPOLOGY_PASSWORD="$STEWARD_PASSWORD" \
WALKTHETALK_TOPOLOGY_CONVERSATION="$CONVERSATION" \
WALKTHETALK_ENV=test pytest -q -p no:cacheprovider tests/topology

echo "--- no task ran twice"
walkthetalk check-workers --tasks 30 --hold 0.3 | tee "$TOPO/check-workers.log"
grep -q "by 2 worker process(es)" "$TOPO/check-workers.log"  # both workers shared them
for n in 1 2; do if grep -q Traceback "$TOPO/worker-$n.log"; then cat "$TOPO/worker-$n.log"; exit 1; fi; done
for port in "${APP_PORTS[@]}"; do
  if grep -q Traceback "$TOPO/serve-$port.log"; then cat "$TOPO/serve-$port.log"; exit 1; fi
done
echo "production topology: ok"
