#!/usr/bin/env bash
# shellcheck disable=SC2317  # functions that run from traps
# `make run`: the whole product on this machine, in this terminal. Starts the gateway
# (`smsgw run` on conf/gateway.yaml: embedded ledger with demo data, files under var/) in the
# background with its log in var/log/smsgw.log, then the phone console in the foreground: the
# SMSC the gateway binds to, and a phone to type on. When the console ends (Ctrl-D, /quit,
# Ctrl-C) the gateway is stopped with SIGTERM, and SIGKILL if it has not exited after 10 s.
#
# Exit status: the console's (0 after Ctrl-D or /quit); non-zero with the log's last lines when
# the gateway exits by itself; 1 when a port the demo needs is taken.
set -uo pipefail

build=${1:-build}
cd "$(dirname "$0")/../.." || exit 1

config=conf/gateway.yaml
log=var/log/smsgw.log
# A stop drains for up to 10 s, waits up to smpp stop_timeout (10 s) for submits in flight, then
# up to response_timeout (10 s) each for the unbind and the TLS close: 40 s with the shipped
# configuration when the SMSC has gone quiet (docs/operations.md). SIGKILL only after that.
stop_timeout=45

# Values from the shipped configuration, so the console follows an edited file. The defaults
# are what conf/gateway.yaml ships with.
yaml_value() { # section key default -> the first "key:" under the top-level "section:"
  local v
  v=$(awk -v section="$1:" -v key="$2" '
    $0 ~ "^[^[:space:]#]" { inside = ($1 == section) }
    inside && $1 == key ":" { v = $2; gsub(/"/, "", v); print v; exit }' "$config")
  echo "${v:-$3}"
}
smpp_port=$(yaml_value smpp port 2775)
smpp_password=${SMSGW_SMPP_PASSWORD_LOCAL:-$(yaml_value smpp password secret)}
short_code=$(yaml_value short_codes code 20555)
admin_listen=$(yaml_value admin listen 127.0.0.1:7780)
admin_port=${admin_listen##*:}

for tool in "$build/smsgw" "$build/tools/phone_console"; do
  if [ ! -x "$tool" ]; then
    echo "run_demo: $tool is missing; run \`make run\` (it builds first)" >&2
    exit 1
  fi
done

# A port already listened on: say by what, instead of letting a bind fail later.
port_taken() { # port what
  local line who
  line=$(ss -Hltnp 2>/dev/null | awk -v p=":$1" 'substr($4, length($4) - length(p) + 1) == p')
  [ -n "$line" ] || return 1
  who=$(sed -nE 's/.*users:\(\("([^"]+)",pid=([0-9]+).*/\1 (pid \2)/p' <<<"$line" | head -n 1)
  echo "run_demo: port $1 ($2) is already in use by ${who:-a process of another user (sudo ss -ltnp shows which)}." >&2
  echo "          Stop it, or change the port in $config." >&2
  return 0
}
if command -v ss >/dev/null; then
  taken=0
  port_taken "$smpp_port" "the SMSC the gateway binds to, smpp.connections" && taken=1
  port_taken "$admin_port" "the gateway's admin endpoint, admin.listen" && taken=1
  [ "$taken" -eq 0 ] || exit 1
fi

mkdir -p var/log && chmod 700 var
log_start=1
[ -f "$log" ] && log_start=$(($(wc -l <"$log") + 1))

gateway_pid=
watcher_pid=
log_shown=

show_log() { # the lines this run added to the log, once
  [ -z "$log_shown" ] || return 0
  log_shown=1
  echo "--- last lines of $log ---" >&2
  tail -n +"$log_start" "$log" | tail -n 25 >&2
  echo "---" >&2
}

stop_gateway() {
  [ -n "$watcher_pid" ] && kill "$watcher_pid" 2>/dev/null
  [ -n "$gateway_pid" ] || return 0
  if kill -0 "$gateway_pid" 2>/dev/null; then
    echo "stopping the gateway (SIGTERM) ..."
    kill -TERM "$gateway_pid" 2>/dev/null
    local tenths=0
    while kill -0 "$gateway_pid" 2>/dev/null && [ "$tenths" -lt $((stop_timeout * 10)) ]; do
      sleep 0.1
      tenths=$((tenths + 1))
    done
    if kill -0 "$gateway_pid" 2>/dev/null; then
      echo "the gateway did not stop within ${stop_timeout}s: SIGKILL" >&2
      kill -KILL "$gateway_pid" 2>/dev/null
    fi
  fi
  wait "$gateway_pid" 2>/dev/null
  local rc=$?
  gateway_pid=
  if [ "$rc" -eq 0 ] || [ "$rc" -eq 143 ]; then
    echo "the gateway stopped."
    return 0
  fi
  echo "the gateway exited with status $rc" >&2
  show_log
  return 1
}

finish() {
  local rc=$?
  stop_gateway || [ "$rc" -ne 0 ] || rc=1
  [ "$rc" -eq 0 ] || show_log
  exit "$rc"
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Its own session: Ctrl-C in this terminal goes to the console, and the gateway is stopped
# once, by SIGTERM, which drains it (a second SIGTERM would make it exit at once).
echo "starting the gateway: $build/smsgw run --config $config"
echo "its log: $log (shown here if it stops by itself)"
echo "=== $(date -u '+%Y-%m-%dT%H:%M:%SZ') make run ===" >>"$log"
setsid "$build/smsgw" run --config "$config" </dev/null >>"$log" 2>&1 &
gateway_pid=$!

gateway_exited() { # -> its status, once it has exited by itself
  local rc
  wait "$gateway_pid"
  rc=$?
  gateway_pid=
  echo "the gateway exited by itself with status $rc" >&2
  show_log
  return $((rc == 0 ? 1 : rc))
}

# A gateway that cannot start (bad configuration, a build without the daemon) exits at once.
for _ in $(seq 10); do
  kill -0 "$gateway_pid" 2>/dev/null || break
  sleep 0.1
done
if ! kill -0 "$gateway_pid" 2>/dev/null; then
  gateway_exited
  exit $?
fi

# The console runs as a job of this script (stdin given back explicitly: a job's default is
# /dev/null) so that a watcher can end it when the gateway exits by itself. It is in this
# terminal's process group, so Ctrl-C reaches it directly.
"$build/tools/phone_console" --port "$smpp_port" --password "$smpp_password" \
  --short-code "$short_code" <&0 &
console_pid=$!
(
  while kill -0 "$gateway_pid" 2>/dev/null; do sleep 0.5; done
  kill -TERM "$console_pid" 2>/dev/null
) &
watcher_pid=$!
trap 'kill -INT "$console_pid" 2>/dev/null' INT
trap 'kill -TERM "$console_pid" 2>/dev/null' TERM
while kill -0 "$console_pid" 2>/dev/null; do
  wait "$console_pid"  # returns early when a trapped signal arrives
done
wait "$console_pid"
console_rc=$?
trap 'exit 130' INT
trap 'exit 143' TERM

if ! kill -0 "$gateway_pid" 2>/dev/null; then
  gateway_exited
  exit $?
fi
# Ctrl-C and SIGTERM are ordinary ways to end the demo.
case "$console_rc" in 130 | 143) console_rc=0 ;; esac
exit "$console_rc"
