# Sourced by the serving benchmarks that need a broker of their own (bench/serving-latency.sh,
# bench/serving-feedback-loop.sh): a fresh run directory in $work, a broker on free ports
# ($bootstrap), and on exit every process in the pid array stopped, then the broker, then $work
# removed. Needs $root; declares the arrays grpc, http and pid (by name) for the caller's services,
# and await_ready for their start.
work=$(mktemp -d)
port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
export FMNIST_RUN_DIR=$work KAFKA_PORT=$(port) KAFKA_CONTROLLER_PORT=$(port)
bootstrap=127.0.0.1:$KAFKA_PORT
declare -A grpc http pid
cleanup() {
  for p in "${pid[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  "$root/deploy/kafka/kafka.sh" stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
# await_ready NAME URL PID LOG: until URL answers; fails, with LOG's last lines, when the process
# exits or 120 s pass
await_ready() {
  local name=$1 url=$2 process=$3 log=$4
  for _ in $(seq 1 120); do
    curl -fs "$url" >/dev/null 2>&1 && return 0
    kill -0 "$process" 2>/dev/null || break
    sleep 1
  done
  echo "$name never ready ($url); last lines of $log:" >&2
  tail -20 "$log" >&2
  exit 1
}
"$root/deploy/kafka/kafka.sh" start
