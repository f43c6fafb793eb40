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
# `panicwatch-agent advice [--apply] [--opencore-config PATH | --nvram]` (by hand, not from launchd): fetches this VM's
# latest advice from the query API (GET /api/v1/remediation?vm=ID) and prints the exact change of boot-args: the
# PlistBuddy commands for OpenCore's config.plist (NVRAM -> Add -> 7C436110-AB2A-4BBB-A880-FE41995C9F82 -> boot-args,
# and boot-args listed in NVRAM -> Delete -> 7C436110-... so OpenCore replaces the value stored in NVRAM), or
# `nvram boot-args=...` where the guest boots without OpenCore. --apply (as root) makes it: the plist is copied to
# PATH.bak-<UTC time> first and checked with `plutil -lint` and read back after (restored from the copy when the check
# fails); the old NVRAM value is kept in $PANICWATCH_STATE_DIR. Either way the guest needs a reboot. Without an
# option, OpenCore's config.plist at PANICWATCH_OPENCORE_CONFIG is used when it is there, else NVRAM (unless OpenCore
# booted the guest: then its EFI partition must be mounted). Exit status: 0 done or nothing to change, 1 no advice
# that changes boot-args or the change failed, 75 the API could not be reached or answered 5xx, 78 configuration.
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
# For `advice` only (the receiver's PANICWATCH_URL and token are not needed there):
#   PANICWATCH_API_URL       the query API, e.g. https://panicwatch.example.net:8080 (required)
#   PANICWATCH_API_TOKEN_FILE  file holding the API's bearer token (default /etc/panicwatch/api-token), or
#   PANICWATCH_API_TOKEN     the token itself (none: the API is asked without one)
#   PANICWATCH_OPENCORE_CONFIG  OpenCore's config.plist (default /Volumes/EFI/EFI/OC/config.plist: the EFI partition
#                            mounted with `diskutil mount disk0s1`)
#   PANICWATCH_PLISTBUDDY, PANICWATCH_PLUTIL, PANICWATCH_NVRAM, PANICWATCH_ID
#                            the commands used (default: /usr/libexec/PlistBuddy, plutil, nvram, id)
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

# url_protocols NAME URL CERT_OPTIONS WHAT: curl's --proto value for URL (the setting NAME; its server takes a
# certificate with CERT_OPTIONS, and is sent WHAT).
# Only https:// by default: the bearer token goes with every request. --proto also keeps a redirect from leaving it.
url_protocols() {
  case "$2" in
    https://*) printf '=https' ;;
    http://*)
      case "${PANICWATCH_ALLOW_HTTP:-}" in
        1|true|yes) printf '=http,https' ;;
        *) fail_config "$1 $2 is plain http://: $4 would cross the network in clear. Use https:// ($3), or set PANICWATCH_ALLOW_HTTP=1 on a network you trust" ;;
      esac ;;
    *) fail_config "$1 $2 must start with https:// (or http:// with PANICWATCH_ALLOW_HTTP=1)" ;;
  esac
}

# check_ca_file: sets trusted (for the messages) from PANICWATCH_CA_FILE, which must hold a PEM certificate when set.
ca_file="${PANICWATCH_CA_FILE:-}"
check_ca_file() {
  if [ -n "$ca_file" ]; then
    [ -r "$ca_file" ] || fail_config "PANICWATCH_CA_FILE $ca_file cannot be read"
    grep -q -- '-----BEGIN CERTIFICATE-----' "$ca_file" \
      || fail_config "PANICWATCH_CA_FILE $ca_file holds no PEM certificate (-----BEGIN CERTIFICATE-----)"
    trusted="the CA in PANICWATCH_CA_FILE ($ca_file)"
  else
    trusted="the system's CAs (set PANICWATCH_CA_FILE to trust your own CA)"
  fi
}

# The token goes to curl in a config file (-K, which even the curl 7.54 of macOS 10.12-10.14 reads), not on its
# command line where ps would show it. auth_file TOKEN writes it to $work/auth.
auth_file() {
  local escaped
  escaped="$(printf '%s' "$1" | sed 's/[\\"]/\\&/g')"
  printf 'header = "Authorization: Bearer %s"\n' "$escaped" > "$work/auth"
}

# curl's exit codes for a TLS connection it would not trust or could not set up (see curl's man page, EXIT CODES).
tls_failure() {
  case "$1" in 35|51|53|54|58|59|60|64|66|77|80|82|83|90|91) return 0 ;; *) return 1 ;; esac
}

# tls_reason SERVER URL_SETTING: what curl said, and what it means for the operator.
tls_reason() {
  local said
  said="$(tr -d '\n' < "$work/curl-error")"
  case "$said" in
    *expired*) printf '%s' "the $1's certificate has expired; renew it on the $1 ($said)" ;;
    *"subject name"*|*"does not match"*|*"no alternative"*)
      printf '%s' "the $1's certificate does not name the host in $2 ($said)" ;;
    *issuer*|*"self signed"*|*"self-signed"*|*"unknown ca"*|*"not trusted"*|*"certificate verify"*)
      printf '%s' "the $1's certificate is not signed by $trusted ($said)" ;;
    *) printf '%s' "the TLS handshake failed; trusted are $trusted ($said)" ;;
  esac
}

platform_uuid() {
  # ioreg prints e.g.:     "IOPlatformUUID" = "4C4C4544-0031-3510-8052-B3C04F563132"
  "$ioreg_cmd" -rd1 -c IOPlatformExpertDevice 2>/dev/null \
    | sed -n 's/.*"IOPlatformUUID" *= *"\([^"]*\)".*/\1/p' | head -n 1
}

# ---- advice: the change of boot-args this VM's latest advice asks, and with --apply making it ----

# Apple's boot variable GUID (boot-args lives under it) and OpenCore's own, under which it exposes its version.
apple_guid="7C436110-AB2A-4BBB-A880-FE41995C9F82"
opencore_guid="4D1FDA02-38C7-4A6A-9CC6-4BCCA8B30102"

advice_usage() {
  cat <<USAGE
usage: panicwatch-agent advice [--apply] [--opencore-config PATH | --nvram]
  Prints the change of boot-args this VM's latest advice asks (from the query API at PANICWATCH_API_URL):
  the PlistBuddy commands for OpenCore's config.plist, or 'nvram boot-args=...' without OpenCore.
  --apply                  make the change (as root): a backup first, a check after; then reboot the guest
  --opencore-config PATH   OpenCore's config.plist (default PANICWATCH_OPENCORE_CONFIG or
                           /Volumes/EFI/EFI/OC/config.plist; mount the EFI partition with 'diskutil mount disk0s1')
  --nvram                  the guest boots without OpenCore: set boot-args in NVRAM
USAGE
}

# shell_quoted TEXT: one shell word whatever TEXT holds (single quotes, a single quote inside spelled '\'').
shell_quoted() {
  printf "'%s'" "${1//\'/\'\\\'\'}"
}

# url_encoded TEXT: TEXT as a query parameter value (a VM id holds '/').
url_encoded() {
  local LC_ALL=C text="$1" out="" char i
  for ((i = 0; i < ${#text}; i++)); do
    char="${text:i:1}"
    case "$char" in
      [a-zA-Z0-9.~_-]) out="$out$char" ;;
      *) out="$out$(printf '%%%02X' "'$char")" ;;
    esac
  done
  printf '%s' "$out"
}

# json_field NAME FILE: the string value of NAME in the API's compact JSON answer, unescaped; status 1 when it is
# null or missing, 2 when it holds an escape other than \" \\ \/ (boot-args never need one). Inside a JSON string a
# quote is always escaped, so "NAME":" cannot match text within another field.
json_field() {
  local value
  value="$(sed -n -E "s/.*\"$1\":\"(([^\"\\\\]|\\\\.)*)\".*/\\1/p" "$2" | head -n 1)"
  grep -q "\"$1\":\"" "$2" || return 1
  value="${value//\\\\/$'\001'}"
  value="${value//\\\"/\"}"
  value="${value//\\\//\/}"
  case "$value" in *\\*) return 2 ;; esac
  printf '%s' "${value//$'\001'/\\}"
}

# json_actions FILE: the advice's actions, comma-separated.
json_actions() {
  sed -n -E 's/.*"actions":\[([^]]*)\].*/\1/p' "$1" | head -n 1 | tr -d '"' | sed 's/,/, /g'
}

# fetch_advice: GET /api/v1/remediation?vm=ID into $work/advice; returns the exit status advice should end with
# (0 when there is advice).
fetch_advice() {
  local status curl_exit=0
  set -- -sS -o "$work/advice" -w '%{http_code}' --max-time 30 --proto "$api_protocols" --tlsv1.2 \
    -H 'Accept: application/json'
  [ -n "$api_token" ] && set -- "$@" -K "$work/auth"
  [ -n "$ca_file" ] && set -- "$@" --cacert "$ca_file"
  status="$("$curl_cmd" "$@" "${api_url%/}/api/v1/remediation?vm=$(url_encoded "$vm_id")" 2>"$work/curl-error")" \
    || curl_exit=$?
  [ "$curl_exit" -eq 0 ] || status="000"
  case "$status" in
    200) return 0 ;;
    404) log "no advice for VM $vm_id: $(api_error)"; return 1 ;;
    401|403) log "the query API refused the token ($status: $(api_error)); set PANICWATCH_API_TOKEN or put it in $api_token_file"; return 78 ;;
    400) log "the query API refused the request ($(api_error)); is PANICWATCH_VM_ID $vm_id right?"; return 78 ;;
  esac
  if tls_failure "$curl_exit"; then
    log "TLS: refused to ask $api_url: $(tls_reason "query API" PANICWATCH_API_URL)"
  elif [ "$status" = "000" ]; then
    log "could not reach the query API at $api_url: $(tr -d '\n' < "$work/curl-error")"
  else
    log "the query API answered $status: $(api_error); try again later"
  fi
  return 75
}

api_error() {
  json_field error "$work/advice" 2>/dev/null || tr -d '\n' < "$work/advice" 2>/dev/null | cut -c 1-200
}

# plist_value ENTRY: what PlistBuddy prints for ENTRY of the config (status 1 when it does not exist).
plist_value() {
  "$plistbuddy_cmd" -c "Print $1" "$opencore_config" 2>/dev/null
}

# opencore_change: reads the config and fills commands (PlistBuddy -c arguments, in order), old (and has_old), listed.
opencore_change() {
  local add=":NVRAM:Add:$apple_guid" delete=":NVRAM:Delete:$apple_guid" list
  [ -f "$opencore_config" ] || { log "$opencore_config does not exist (mount the EFI partition first: diskutil mount disk0s1)"; return 78; }
  "$plutil_cmd" -lint "$opencore_config" > "$work/lint" 2>&1 \
    || { log "$opencore_config is not a valid property list: $(tr -d '\n' < "$work/lint")"; return 78; }
  plist_value :NVRAM:Add > /dev/null \
    || { log "$opencore_config has no NVRAM -> Add, where OpenCore keeps the NVRAM variables it writes at boot; is it OpenCore's config.plist?"; return 78; }
  commands=()
  has_old=0
  old=""
  if plist_value "$add" > /dev/null; then
    if old="$(plist_value "$add:boot-args")"; then has_old=1; fi
  else
    commands+=("Add $add dict")
  fi
  if [ "$has_old" -eq 1 ]; then
    commands+=("Set $add:boot-args \"$new\"")
  else
    commands+=("Add $add:boot-args string \"$new\"")
  fi
  listed=0
  if list="$(plist_value "$delete")"; then
    # PlistBuddy prints an array as "Array {", one element a line (indented), "}".
    printf '%s\n' "$list" | grep -qx '[[:space:]]*boot-args[[:space:]]*' && listed=1
  else
    commands+=("Add $delete array")
  fi
  # Index 0 is valid in any array, empty or not; the order of the names does not matter to OpenCore.
  [ "$listed" -eq 1 ] || commands+=("Add $delete:0 string boot-args")
  return 0
}

# opencore_check: after writing, the file must lint, hold the new value and list boot-args under Delete.
opencore_check() {
  "$plutil_cmd" -lint "$opencore_config" > "$work/lint" 2>&1 \
    || { printf 'plutil -lint: %s' "$(tr -d '\n' < "$work/lint")"; return 1; }
  local now_value
  now_value="$(plist_value ":NVRAM:Add:$apple_guid:boot-args")"
  [ "$now_value" = "$new" ] || { printf 'boot-args is "%s", not "%s"' "$now_value" "$new"; return 1; }
  plist_value ":NVRAM:Delete:$apple_guid" | grep -qx '[[:space:]]*boot-args[[:space:]]*' \
    || { printf 'NVRAM -> Delete -> %s does not list boot-args' "$apple_guid"; return 1; }
}

advice_opencore() {
  local status=0 command backup problem
  opencore_change || return $?
  printf 'file:   %s (OpenCore)\n' "$opencore_config"
  if [ "$has_old" -eq 1 ] && [ "$old" = "$new" ] && [ "$listed" -eq 1 ]; then
    printf 'nothing to change: NVRAM -> Add -> %s -> boot-args is already "%s" and NVRAM -> Delete lists boot-args.\n' \
      "$apple_guid" "$new"
    [ "$boot_args" = "$new" ] || printf 'The guest still runs "%s": reboot it so OpenCore sets the new ones.\n' "$boot_args"
    return 0
  fi
  printf 'change: NVRAM -> Add -> %s -> boot-args\n' "$apple_guid"
  if [ "$has_old" -eq 1 ]; then printf '  from: "%s"\n' "$old"; else printf '  from: (not set)\n'; fi
  printf '  to:   "%s"\n' "$new"
  printf "and:    NVRAM -> Delete -> %s must list boot-args, so OpenCore replaces the value in NVRAM %s\n" \
    "$apple_guid" "$([ "$listed" -eq 1 ] && echo '(it does)' || echo '(it does not yet)')"
  case "$new" in
    *'"'*) log "the new boot-args hold a double quote, which a PlistBuddy command cannot carry; edit $opencore_config by hand"
      return 1 ;;
  esac
  if [ "$apply" -eq 0 ]; then
    printf 'commands (as root):\n'
    for command in "${commands[@]}"; do
      printf '  /usr/libexec/PlistBuddy -c %s %s\n' "$(shell_quoted "$command")" "$(shell_quoted "$opencore_config")"
    done
    printf 'Then reboot the guest (or run this again with --apply, as root, which also keeps a backup).\n'
    return 0
  fi
  backup="$opencore_config.bak-$(date -u +%Y%m%dT%H%M%SZ)"
  [ ! -e "$backup" ] || { log "$backup exists already; try again in a second"; return 1; }
  cp -p "$opencore_config" "$backup" || { log "cannot copy $opencore_config to $backup; nothing changed"; return 1; }
  printf 'backup: %s\n' "$backup"
  for command in "${commands[@]}"; do
    "$plistbuddy_cmd" -c "$command" "$opencore_config" > "$work/plistbuddy" 2>&1 || {
      problem="PlistBuddy -c '$command' failed: $(tr -d '\n' < "$work/plistbuddy")"
      status=1
      break
    }
  done
  [ "$status" -ne 0 ] || problem="$(opencore_check)" || status=1
  if [ "$status" -ne 0 ]; then
    cp -p "$backup" "$opencore_config"
    log "$problem; $opencore_config is restored from $backup"
    return 1
  fi
  printf 'wrote:  %s; checked: plutil -lint OK, boot-args is "%s", NVRAM -> Delete lists boot-args\n' \
    "$opencore_config" "$new"
  printf 'Reboot the guest so OpenCore sets the new boot-args; the next guest state shows whether they took.\n'
}

advice_nvram() {
  local old_nvram has_nvram=0 kept now_value
  # nvram prints "boot-args<TAB>VALUE"; without the variable it fails.
  if old_nvram="$("$nvram_cmd" boot-args 2>/dev/null)"; then
    has_nvram=1
    old_nvram="${old_nvram#boot-args}"
    old_nvram="${old_nvram#$'\t'}"
  fi
  printf 'where:  NVRAM (the guest boots without OpenCore)\n'
  if [ "$has_nvram" -eq 1 ] && [ "$old_nvram" = "$new" ]; then
    printf 'nothing to change: NVRAM boot-args is already "%s".\n' "$new"
    [ "$boot_args" = "$new" ] || printf 'The guest still runs "%s": reboot it.\n' "$boot_args"
    return 0
  fi
  printf 'change: boot-args\n'
  if [ "$has_nvram" -eq 1 ]; then printf '  from: "%s"\n' "$old_nvram"; else printf '  from: (not set)\n'; fi
  printf '  to:   "%s"\n' "$new"
  if [ "$apply" -eq 0 ]; then
    printf 'command (as root):\n  nvram %s\n' "$(shell_quoted "boot-args=$new")"
    printf 'Then reboot the guest (or run this again with --apply, as root, which also keeps the old value).\n'
    return 0
  fi
  mkdir -p "$state_dir" || { log "cannot create $state_dir for the old value; nothing changed"; return 1; }
  kept="$state_dir/boot-args.bak-$(date -u +%Y%m%dT%H%M%SZ)"
  if [ "$has_nvram" -eq 1 ]; then printf '%s\n' "$old_nvram" > "$kept"; else printf '(not set)\n' > "$kept"; fi
  printf 'backup: %s (the old value)\n' "$kept"
  "$nvram_cmd" "boot-args=$new" > "$work/nvram" 2>&1 || {
    log "nvram refused to set boot-args: $(tr -d '\n' < "$work/nvram") (System Integrity Protection forbids it on many guests: set them in the boot loader's config instead)"
    return 1
  }
  now_value="$("$nvram_cmd" boot-args 2>/dev/null)"
  now_value="${now_value#boot-args}"
  now_value="${now_value#$'\t'}"
  [ "$now_value" = "$new" ] || { log "NVRAM boot-args read back as \"$now_value\", not \"$new\""; return 1; }
  printf 'wrote:  NVRAM boot-args; read back: "%s"\n' "$new"
  printf 'Reboot the guest so the kernel reads the new boot-args; the next guest state shows whether they took.\n'
}

advice_main() {
  apply=0
  local route="" actions created status
  opencore_config="${PANICWATCH_OPENCORE_CONFIG:-/Volumes/EFI/EFI/OC/config.plist}"
  while [ $# -gt 0 ]; do
    case "$1" in
      --apply) apply=1 ;;
      --nvram) [ "$route" != opencore ] || fail_config "advice: --nvram and --opencore-config exclude each other"
        route=nvram ;;
      --opencore-config)
        [ $# -ge 2 ] && [ -n "$2" ] || fail_config "advice: --opencore-config needs a PATH"
        [ "$route" != nvram ] || fail_config "advice: --nvram and --opencore-config exclude each other"
        route=opencore
        opencore_config="$2"
        shift ;;
      -h|--help) advice_usage; exit 0 ;;
      *) advice_usage >&2; fail_config "advice: unknown option $1" ;;
    esac
    shift
  done
  plistbuddy_cmd="${PANICWATCH_PLISTBUDDY:-/usr/libexec/PlistBuddy}"
  plutil_cmd="${PANICWATCH_PLUTIL:-plutil}"
  nvram_cmd="${PANICWATCH_NVRAM:-nvram}"
  api_url="${PANICWATCH_API_URL:-}"
  [ -n "$api_url" ] || fail_config "PANICWATCH_API_URL is not set (the query API, e.g. https://panicwatch.example.net:8080)"
  api_protocols="$(url_protocols PANICWATCH_API_URL "$api_url" "the streams app's --api-tls-cert/--api-tls-key" "the API token")" || exit 78
  check_ca_file
  api_token="${PANICWATCH_API_TOKEN:-}"
  api_token_file="${PANICWATCH_API_TOKEN_FILE:-/etc/panicwatch/api-token}"
  [ -n "$api_token" ] || [ ! -r "$api_token_file" ] || api_token="$(tr -d ' \r\n' < "$api_token_file")"
  if [ "$apply" -eq 1 ] && [ "$("${PANICWATCH_ID:-id}" -u)" != 0 ]; then
    fail_config "advice --apply changes how the guest boots: run it as root (sudo panicwatch-agent advice --apply)"
  fi
  uuid="$(platform_uuid)"
  vm_id="${PANICWATCH_VM_ID:-$uuid}"
  [ -n "$vm_id" ] || fail_config "no VM id: set PANICWATCH_VM_ID (ioreg gave no IOPlatformUUID)"
  boot_args="$("$sysctl_cmd" -n kern.bootargs 2>/dev/null | tr -d '\r\n')"
  if [ -z "$route" ]; then
    if [ -e "$opencore_config" ]; then
      route=opencore
    elif "$nvram_cmd" "$opencore_guid:opencore-version" > /dev/null 2>&1; then
      fail_config "OpenCore booted this guest, but its config.plist is not at $opencore_config: mount the EFI partition (diskutil mount disk0s1) or pass --opencore-config PATH"
    else
      route=nvram
    fi
  fi
  work="$(mktemp -d "${TMPDIR:-/tmp}/panicwatch-agent.XXXXXX")" || exit 75
  trap 'rm -rf "$work"' EXIT
  [ -z "$api_token" ] || auth_file "$api_token"
  status=0
  fetch_advice || status=$?
  [ "$status" -eq 0 ] || exit "$status"
  actions="$(json_actions "$work/advice")"
  created="$(json_field createdTime "$work/advice")"
  status=0
  new="$(json_field suggestedBootArgs "$work/advice")" || status=$?
  if [ "$status" -eq 2 ]; then
    log "the advice's boot-args hold an escape this agent cannot read; see GET /api/v1/remediation?vm=$vm_id"
    exit 1
  elif [ "$status" -ne 0 ] || [ -z "$new" ]; then
    log "the latest advice for VM $vm_id (${actions:-no actions}, ${created:-?}) does not change boot-args: nothing to set"
    exit 1
  fi
  printf 'VM %s: advice of %s (%s)\n' "$vm_id" "${created:-?}" "$actions"
  if [ -n "$boot_args" ]; then printf 'in force: "%s" (sysctl kern.bootargs)\n' "$boot_args"
  else printf 'in force: (no boot-args; sysctl kern.bootargs)\n'; fi
  status=0
  if [ "$route" = opencore ]; then advice_opencore || status=$?; else advice_nvram || status=$?; fi
  exit "$status"
}

if [ "${1:-}" = advice ]; then
  shift
  advice_main "$@"
elif [ "${1:-}" = -h ] || [ "${1:-}" = --help ]; then
  printf 'usage: panicwatch-agent        (run by launchd) send new panic reports and the guest state to PANICWATCH_URL\n'
  advice_usage
  exit 0
elif [ $# -gt 0 ]; then
  fail_config "unknown argument $1: the agent runs without arguments (from launchd), or as 'panicwatch-agent advice [--apply]'"
fi

[ -n "$url" ] || fail_config "PANICWATCH_URL is not set (the receiver, e.g. https://panicwatch.example.net:8088)"
protocols="$(url_protocols PANICWATCH_URL "$url" "the receiver's --tls-cert/--tls-key" "the token and the reports")" || exit 78
check_ca_file
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

uuid="$(platform_uuid)"
boot_args="$("$sysctl_cmd" -n kern.bootargs 2>/dev/null | tr -d '\r\n')"
vm_id="${PANICWATCH_VM_ID:-$uuid}"
[ -n "$vm_id" ] || fail_config "no VM id: set PANICWATCH_VM_ID (ioreg gave no IOPlatformUUID)"

work="$(mktemp -d "${TMPDIR:-/tmp}/panicwatch-agent.XXXXXX")" || exit 75
trap 'rm -rf "$work"' EXIT
auth_file "$token"

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
      log "TLS: refused to send $(basename "$file") to $url: $(tls_reason receiver PANICWATCH_URL); the report is kept for the next run"
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
    log "TLS: refused to send the guest state to $url: $(tls_reason receiver PANICWATCH_URL); it is sent again on the next run"
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
