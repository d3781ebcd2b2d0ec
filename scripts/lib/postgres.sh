# Sourced by test scripts: starts a throwaway PostgreSQL 15 on a free loopback port, with SCRAM
# password authentication and TLS (a self-signed certificate made here), and stops it on exit.
# Sets PG_URL (postgres://lookout:…@127.0.0.1:PORT/postgres?sslmode=require) and PG_DIR.
# Needs root (initdb runs as the postgres user) and /usr/lib/postgresql/15/bin.
pg_start() {
  local bin=/usr/lib/postgresql/15/bin
  [ -x "$bin/initdb" ] || { echo "PostgreSQL 15 is not installed ($bin)" >&2; return 1; }
  PG_DIR=$(mktemp -d)
  chown postgres "$PG_DIR"
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  echo "lookout-test-password" > "$PG_DIR/pw"
  chown postgres "$PG_DIR/pw"
  runuser -u postgres -- "$bin/initdb" -D "$PG_DIR/data" -U lookout --pwfile="$PG_DIR/pw" --auth-local=trust \
    --auth-host=scram-sha-256 --no-sync -E UTF8 --locale=C.UTF-8 >/dev/null || return 1
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$PG_DIR/server.key" -out "$PG_DIR/server.crt" -days 2 \
    -subj "/CN=localhost" >/dev/null 2>&1 || return 1
  chown postgres "$PG_DIR/server.key" "$PG_DIR/server.crt"
  chmod 600 "$PG_DIR/server.key"
  runuser -u postgres -- "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $PG_DIR -c fsync=off -c max_connections=400 -c ssl=on -c ssl_cert_file=$PG_DIR/server.crt -c ssl_key_file=$PG_DIR/server.key" \
    start >/dev/null || { cat "$PG_DIR/log" >&2; return 1; }
  PG_URL="postgres://lookout:lookout-test-password@127.0.0.1:$port/postgres?sslmode=require"
  PG_PORT=$port
  export PG_URL PG_DIR PG_PORT
}

pg_stop() {
  [ -n "${PG_DIR:-}" ] && [ -d "$PG_DIR/data" ] && runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1
  [ -n "${PG_DIR:-}" ] && rm -rf "$PG_DIR"
  PG_DIR=
}
