#!/bin/bash
# Panicwatch guest agent for macOS: reports what the guest runs, and sends each new kernel panic report to the
# Panicwatch HTTP receiver, once.
#
# Run by launchd (dev.panicwatch.agent.plist) at boot, when DiagnosticReports changes and every few minutes. Each run:
#   - after the reports (below), POSTs the guest state to /v1/guest-state (JSON; the receiver serves its schema on
#     /v1/guest-state/schema): VM id and IOPlatformUUID, kern.bootargs and the vti and tlbto_us they set (6 and unset
#     without a token), sw_vers's version and build, uname -v (the kernel and its xnu version), kern.boottime,
#     hw.ncpu, and this agent's version.
#     Cheap: sysctl, sw_vers and uname only. The boot log's "Timeouts adjusted for virtualization (<<N)" (macOS up to
#     13.2) needs `log show`, which is slow, so it is read at most once per boot, and only where /usr/bin/log exists.
#   - finds the panic reports (*.panic, panic-full-*.ips, Kernel-*.panic) not yet delivered,
#   - POSTs each one unchanged with the VM identity: the IOPlatformUUID (= Proxmox smbios1 uuid) and the current
#     boot-args (sysctl kern.bootargs), plus the file's modification time,
#   - remembers a report (by its SHA-256, which is also the receiver's reportId) once the receiver answered 202,
#     or once it rejected it for good (4xx other than 401/408/429: re-sending the same bytes cannot help),
#   - leaves everything else for the next run (503 while Kafka is down, network errors, 401 until the token is fixed).
#   - talks TLS 1.2 or later only, checks the receiver's certificate (system CAs or PANICWATCH_CA_FILE) and host name,
#     and keeps a report whose receiver it cannot verify (the certificate may be renewed, or the CA file fixed).
# Exit status: 0 when nothing is left to send, 75 (EX_TEMPFAIL) when some report (or the guest state, after a 401,
# 5xx, network or TLS failure) waits for a later run, 78 (EX_CONFIG) for a configuration error.
#
# Settings (environment, or the file named by PANICWATCH_CONFIG, default /etc/panicwatch/agent.conf):
#   PANICWATCH_URL           receiver base URL, e.g. https://panicwatch.example.net:8088 (required)
#   PANICWATCH_CA_FILE       PEM file of the CA(s) that signed the receiver's certificate (default: the system's CAs)
#   PANICWATCH_ALLOW_HTTP    set to 1 to allow a plain http:// URL (the token and reports then cross in clear)
#   PANICWATCH_TOKEN_FILE    file holding the bearer token (default /etc/panicwatch/token; mode 600), or
#   PANICWATCH_TOKEN         the token itself
#   PANICWATCH_VM_ID         VM id, e.g. pve1/104 (default: the IOPlatformUUID)
#   PANICWATCH_HOST_ID       hypervisor host, e.g. pve1 (optional)
#   PANICWATCH_REPORT_DIR    default /Library/Logs/DiagnosticReports
#   PANICWATCH_STATE_DIR     default /var/db/panicwatch
#   PANICWATCH_SETTLE_SECONDS  skip files modified less than this long ago (still being written; default 5)
#   PANICWATCH_ATTEMPTS      tries per report and run (default 3), PANICWATCH_RETRY_SECONDS between them (default 5)
#   PANICWATCH_SYSCTL, PANICWATCH_IOREG, PANICWATCH_CURL, PANICWATCH_SW_VERS, PANICWATCH_UNAME, PANICWATCH_LOG
#                            the commands used (default: sysctl, ioreg, curl, sw_vers, uname, /usr/bin/log)
set -u
umask 077

agent_version="0.1.0"

config="${PANICWATCH_CONFIG:-/etc/panicwatch/agent.conf}"
# shellcheck disable=SC1090
[ -r "$config" ] && . "$config"

url="${PANICWATCH_URL:-}"
report_dir="${PANICWATCH_REPORT_DIR:-/Library/Logs/DiagnosticReports}"
state_dir="${PANICWATCH_STATE_DIR:-/var/db/panicwatch}"
settle="${PANICWATCH_SETTLE_SECONDS:-5}"
attempts="${PANICWATCH_ATTEMPTS:-3}"
retry_seconds="${PANICWATCH_RETRY_SECONDS:-5}"
sysctl_cmd="${PANICWATCH_SYSCTL:-sysctl}"
ioreg_cmd="${PANICWATCH_IOREG:-ioreg}"
curl_cmd="${PANICWATCH_CURL:-curl}"
sw_vers_cmd="${PANICWATCH_SW_VERS:-sw_vers}"
uname_cmd="${PANICWATCH_UNAME:-uname}"
log_cmd="${PANICWATCH_LOG:-/usr/bin/log}"

log() { printf '%s panicwatch-agent: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2; }
fail_config() { log "configuration error: $*"; exit 78; }

[ -n "$url" ] || fail_config "PANICWATCH_URL is not set (the receiver, e.g. https://panicwatch.example.net:8088)"
# Only https:// by default: the bearer token goes with every report. --proto also keeps a redirect from leaving it.
case "$url" in
  https://*) protocols="=https" ;;
  http://*)
    case "${PANICWATCH_ALLOW_HTTP:-}" in
      1|true|yes) protocols="=http,https" ;;
      *) fail_config "PANICWATCH_URL $url is plain http://: the token and the reports would cross the network in clear. Use https:// (the receiver's --tls-cert/--tls-key), or set PANICWATCH_ALLOW_HTTP=1 on a network you trust" ;;
    esac ;;
  *) fail_config "PANICWATCH_URL $url must start with https:// (or http:// with PANICWATCH_ALLOW_HTTP=1)" ;;
esac
ca_file="${PANICWATCH_CA_FILE:-}"
if [ -n "$ca_file" ]; then
  [ -r "$ca_file" ] || fail_config "PANICWATCH_CA_FILE $ca_file cannot be read"
  grep -q -- '-----BEGIN CERTIFICATE-----' "$ca_file" \
    || fail_config "PANICWATCH_CA_FILE $ca_file holds no PEM certificate (-----BEGIN CERTIFICATE-----)"
  trusted="the CA in PANICWATCH_CA_FILE ($ca_file)"
else
  trusted="the system's CAs (set PANICWATCH_CA_FILE to trust your own CA)"
fi
token="${PANICWATCH_TOKEN:-}"
if [ -z "$token" ]; then
  token_file="${PANICWATCH_TOKEN_FILE:-/etc/panicwatch/token}"
  [ -r "$token_file" ] || fail_config "no token: set PANICWATCH_TOKEN or put it in $token_file"
  token="$(tr -d ' \r\n' < "$token_file")"
fi
[ -n "$token" ] || fail_config "the bearer token is empty"
mkdir -p "$state_dir" || fail_config "cannot create state folder $state_dir"
sent_file="$state_dir/sent"           # one SHA-256 per line: delivered (202)
rejected_file="$state_dir/rejected"   # one SHA-256 per line: refused for good, with the reason after it
touch "$sent_file" "$rejected_file" || fail_config "cannot write in $state_dir"

sha256() {
  if command -v shasum >/dev/null 2>&1; then shasum -a 256 "$1" | cut -d' ' -f1; else sha256sum "$1" | cut -d' ' -f1; fi
}

# Modification time in epoch seconds: GNU stat (Linux, where the tests run) or BSD stat (macOS).
mtime() {
  stat -c %Y "$1" 2>/dev/null || stat -f %m "$1" 2>/dev/null
}

platform_uuid() {
  # ioreg prints e.g.:     "IOPlatformUUID" = "4C4C4544-0031-3510-8052-B3C04F563132"
  "$ioreg_cmd" -rd1 -c IOPlatformExpertDevice 2>/dev/null \
    | sed -n 's/.*"IOPlatformUUID" *= *"\([^"]*\)".*/\1/p' | head -n 1
}

uuid="$(platform_uuid)"
boot_args="$("$sysctl_cmd" -n kern.bootargs 2>/dev/null | tr -d '\r\n')"
vm_id="${PANICWATCH_VM_ID:-$uuid}"
[ -n "$vm_id" ] || fail_config "no VM id: set PANICWATCH_VM_ID (ioreg gave no IOPlatformUUID)"

work="$(mktemp -d "${TMPDIR:-/tmp}/panicwatch-agent.XXXXXX")" || exit 75
trap 'rm -rf "$work"' EXIT
# The token goes to curl in a config file (-K, which even the curl 7.54 of macOS 10.12-10.14 reads), not on its
# command line where ps would show it.
escaped_token="$(printf '%s' "$token" | sed 's/[\\"]/\\&/g')"
printf 'header = "Authorization: Bearer %s"\n' "$escaped_token" > "$work/auth"

# curl's exit codes for a TLS connection it would not trust or could not set up (see curl's man page, EXIT CODES).
tls_failure() {
  case "$1" in 35|51|53|54|58|59|60|64|66|77|80|82|83|90|91) return 0 ;; *) return 1 ;; esac
}

# What curl said, and what it means for the operator.
tls_reason() {
  local said
  said="$(tr -d '\n' < "$work/curl-error")"
  case "$said" in
    *expired*) printf '%s' "the receiver's certificate has expired; renew it on the receiver ($said)" ;;
    *"subject name"*|*"does not match"*|*"no alternative"*)
      printf '%s' "the receiver's certificate does not name the host in PANICWATCH_URL ($said)" ;;
    *issuer*|*"self signed"*|*"self-signed"*|*"unknown ca"*|*"not trusted"*|*"certificate verify"*)
      printf '%s' "the receiver's certificate is not signed by $trusted ($said)" ;;
    *) printf '%s' "the TLS handshake failed; trusted are $trusted ($said)" ;;
  esac
}

# post_once PATH CONTENT_TYPE FILE [curl arguments...]: one POST of FILE to the receiver; sets status (000 when
# there was no HTTP answer) and curl_exit, and leaves the answer in $work/response.
post_once() {
  local path="$1" type="$2" file="$3"
  shift 3
  set -- -sS -o "$work/response" -D "$work/headers" -w '%{http_code}' --max-time 60 -X POST \
    --proto "$protocols" --tlsv1.2 \
    -K "$work/auth" -H "Content-Type: $type" -H "X-Panicwatch-Vm-Id: $vm_id" --data-binary @"$file" "$@"
  [ -n "$ca_file" ] && set -- "$@" --cacert "$ca_file"
  curl_exit=0
  status="$("$curl_cmd" "$@" "${url%/}$path" 2>"$work/curl-error")" || curl_exit=$?
  [ "$curl_exit" -eq 0 ] || status="000"
}

# send FILE: 0 delivered or rejected for good (remembered), 1 try again later
send() {
  local file="$1" hash="$2" file_time status try=1 wait
  file_time="$(mtime "$file")"
  while :; do
    set --
    [ -n "$uuid" ] && set -- "$@" -H "X-Panicwatch-Smbios-Uuid: $uuid"
    [ -n "${PANICWATCH_HOST_ID:-}" ] && set -- "$@" -H "X-Panicwatch-Host-Id: $PANICWATCH_HOST_ID"
    [ -n "$boot_args" ] && set -- "$@" -H "X-Panicwatch-Boot-Args: $boot_args"
    [ -n "$file_time" ] && set -- "$@" -H "X-Panicwatch-File-Time: $file_time"
    post_once /v1/panic-reports application/octet-stream "$file" "$@"
    case "$status" in
      202)
        echo "$hash" >> "$sent_file"
        log "sent $(basename "$file") ($(cat "$work/response"))"
        return 0 ;;
      401)
        log "receiver refused the token for $(basename "$file"): $(cat "$work/response"); fix the token"
        return 1 ;;
      400|413|415|422)
        echo "$hash $status $(tr -d '\n' < "$work/response")" >> "$rejected_file"
        log "receiver rejected $(basename "$file") for good ($status): $(cat "$work/response")"
        return 0 ;;
    esac
    if tls_failure "$curl_exit"; then
      # Retrying within this run cannot help: keep the report for the next run, after the server or CA file is fixed.
      log "TLS: refused to send $(basename "$file") to $url: $(tls_reason); the report is kept for the next run"
      tls_refused=1
      return 1
    elif [ "$status" = "000" ]; then
      log "could not reach $url for $(basename "$file"): $(tr -d '\n' < "$work/curl-error")"
    else
      log "receiver answered $status for $(basename "$file"): $(tr -d '\n' < "$work/response" 2>/dev/null)"
    fi
    [ "$try" -ge "$attempts" ] && return 1
    try=$((try + 1))
    wait="$(sed -n 's/^[Rr]etry-[Aa]fter: *\([0-9]*\).*/\1/p' "$work/headers" 2>/dev/null | head -n 1)"
    # Honour Retry-After, but never sleep longer than the configured pause: launchd runs the agent again anyway.
    if [ -z "$wait" ] || [ "$wait" -gt "$retry_seconds" ]; then wait="$retry_seconds"; fi
    sleep "$wait"
  done
}

# boot_arg_number NAME BOOT_ARGS: the number of the first NAME=... token, as XNU's PE_parse_boot_argn reads it
# (decimal or 0x hex; the first token of that name wins even when it is no number); nothing when there is none.
boot_arg_number() {
  local name="$1" token value digits sign
  local -a tokens
  read -r -a tokens <<< "$2"
  for token in ${tokens[@]+"${tokens[@]}"}; do
    case "$token" in
      "$name"=*)
        value="${token#*=}"
        case "$value" in
          0[xX]*)
            digits="${value:2}"
            [[ "$digits" =~ ^[0-9a-fA-F]{1,8}$ ]] && (( 16#$digits <= 2147483647 )) && printf '%d' "$((16#$digits))" ;;
          *)
            # An optional sign, then decimal digits that fit a 32-bit int, as Integer.parseInt on the receiver reads them.
            sign="${value%%[0-9]*}"
            digits="${value#[+-]}"
            if [[ "$sign" =~ ^[+-]?$ ]] && [[ "$digits" =~ ^[0-9]{1,10}$ ]] \
                && (( ${sign}10#$digits >= -2147483648 && ${sign}10#$digits <= 2147483647 )); then
              printf '%d' "$((${sign}10#$digits))"
            fi ;;
        esac
        return 0 ;;
    esac
  done
}

# iso_time EPOCH_SECONDS: UTC ISO-8601, with GNU date (Linux, where the tests run) or BSD date (macOS).
iso_time() {
  if date --version >/dev/null 2>&1; then date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; else date -u -r "$1" +%Y-%m-%dT%H:%M:%SZ; fi
}

# json_value TEXT: a JSON string, or null when TEXT is empty. Control characters are dropped: every value is one line.
json_value() {
  local text
  text="$(printf '%s' "$1" | tr -d '[:cntrl:]')"
  [ -n "$text" ] || { printf 'null'; return; }
  text="${text//\\/\\\\}"
  text="${text//\"/\\\"}"
  printf '"%s"' "$text"
}

# json_number TEXT: TEXT when it is a whole number, else null.
json_number() {
  if [[ "$1" =~ ^-?[0-9]+$ ]]; then printf '%s' "$1"; else printf 'null'; fi
}

# boot_log_vti BOOT_SECONDS: N of the boot log's "Timeouts adjusted for virtualization (<<N)", read once per boot
# (remembered in $state_dir/boot-log with the boot time it belongs to); nothing without the log command or the line.
boot_log_vti() {
  local boot="$1" remembered found
  remembered="$(cat "$state_dir/boot-log" 2>/dev/null)"
  if [ -n "$boot" ] && [ "${remembered%% *}" = "$boot" ]; then
    found="${remembered#* }"
  elif [ -x "$log_cmd" ] && [ -n "$boot" ]; then
    found="$("$log_cmd" show --last boot --style syslog \
        --predicate 'process == "kernel" AND eventMessage CONTAINS "Timeouts adjusted for virtualization"' 2>/dev/null \
      | sed -n 's/.*Timeouts adjusted for virtualization (<<\([0-9]*\)).*/\1/p' | head -n 1)"
    printf '%s %s\n' "$boot" "${found:--}" > "$state_dir/boot-log"
  fi
  [ "${found:--}" = "-" ] || printf '%s' "$found"
}

# The guest state as JSON in $work/guest-state.json.
guest_state() {
  local boot_seconds boot_time="" kernel os_version os_build cpus vti tlbto
  # macOS prints "{ sec = 1593590800, usec = 391467 } Wed Jul  1 08:06:40 2020": the seconds, not the usec.
  boot_seconds="$("$sysctl_cmd" -n kern.boottime 2>/dev/null | sed -n 's/^{ *sec = \([0-9][0-9]*\),.*/\1/p' | head -n 1)"
  [ -n "$boot_seconds" ] && boot_time="$(iso_time "$boot_seconds")"
  kernel="$("$uname_cmd" -v 2>/dev/null)"
  os_version="$("$sw_vers_cmd" -productVersion 2>/dev/null)"
  os_build="$("$sw_vers_cmd" -buildVersion 2>/dev/null)"
  cpus="$("$sysctl_cmd" -n hw.ncpu 2>/dev/null)"
  vti="$(boot_arg_number vti "$boot_args")"
  tlbto="$(boot_arg_number tlbto_us "$boot_args")"
  {
    printf '{"vmId":%s,"hostId":%s,"smbiosUuid":%s,"time":"%s",' "$(json_value "$vm_id")" \
      "$(json_value "${PANICWATCH_HOST_ID:-}")" "$(json_value "$uuid")" "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    printf '"bootArgs":%s,"vti":%s,"tlbtoUs":%s,' "$(json_value "$boot_args")" "$(json_number "${vti:-6}")" \
      "$(json_number "$tlbto")"
    printf '"osVersion":%s,"osBuild":%s,"kernelVersion":%s,"bootTime":%s,"cpus":%s,"bootLogVti":%s,' \
      "$(json_value "$os_version")" "$(json_value "$os_build")" "$(json_value "$kernel")" "$(json_value "$boot_time")" \
      "$(json_number "$cpus")" "$(json_number "$(boot_log_vti "$boot_seconds")")"
    printf '"agentVersion":%s}\n' "$(json_value "$agent_version")"
  } > "$work/guest-state.json"
}

# report_guest_state: one POST per run (the next run sends a fresh reading anyway); 1 when it should be sent again.
report_guest_state() {
  local status
  guest_state
  post_once /v1/guest-state application/json "$work/guest-state.json"
  case "$status" in
    202) log "guest state sent ($(cat "$work/response"))"; return 0 ;;
    400|413|415|422)
      # The next run sends the same fields: retrying cannot help until the agent or receiver is fixed.
      log "receiver rejected the guest state ($status): $(tr -d '\n' < "$work/response")"; return 0 ;;
    404)
      # A receiver older than this agent: reports still work, guest state waits for its upgrade.
      log "receiver has no /v1/guest-state (older than this agent?); guest state not sent"; return 0 ;;
    401) log "receiver refused the token for the guest state: $(cat "$work/response"); fix the token"; return 1 ;;
  esac
  if tls_failure "$curl_exit"; then
    log "TLS: refused to send the guest state to $url: $(tls_reason); it is sent again on the next run"
  elif [ "$status" = "000" ]; then
    log "could not reach $url for the guest state: $(tr -d '\n' < "$work/curl-error")"
  else
    log "receiver answered $status for the guest state: $(tr -d '\n' < "$work/response" 2>/dev/null)"
  fi
  return 1
}

now="$(date +%s)"
pending=0
tls_refused=0
# Without the folder the patterns below match nothing: the guest state is still sent.
[ -d "$report_dir" ] || log "no report folder $report_dir; no reports to send"
seen=" "
for file in "$report_dir"/*.panic "$report_dir"/panic-full-*.ips "$report_dir"/Kernel-*.panic; do
  [ -f "$file" ] || continue
  modified="$(mtime "$file")"
  if [ $((now - ${modified:-0})) -lt "$settle" ]; then
    pending=1
    continue
  fi
  hash="$(sha256 "$file")"
  # Kernel-*.panic also matches *.panic, and a copy of a report has the same hash: one try per report and run.
  case "$seen" in *" $hash "*) continue ;; esac
  seen="$seen$hash "
  if grep -qx "$hash" "$sent_file" || grep -q "^$hash " "$rejected_file"; then
    continue
  fi
  if [ "$tls_refused" -eq 1 ]; then
    # The receiver was refused once in this run; every other report would be refused the same way.
    pending=1
    continue
  fi
  send "$file" "$hash" || pending=1
done
[ "$tls_refused" -eq 0 ] || log "TLS: the other reports wait for the next run as well"
# After the reports, so a receiver the agent cannot verify is tried (and explained) once per run, by a report first.
if [ "$tls_refused" -eq 0 ]; then
  report_guest_state || pending=1
else
  log "TLS: the guest state waits for the next run as well"
  pending=1
fi
[ "$pending" -eq 0 ] || exit 75
exit 0
