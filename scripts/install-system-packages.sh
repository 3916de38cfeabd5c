#!/usr/bin/env bash
# Debian packages the project runs beside Python, installed when missing:
#   haproxy   the load balancer of the scaled stack (`make run-scaled`, tests/scaled)
#   chromium  the browser the CSO console's tests drive (Playwright's executable_path)
#   espeak-ng the Indonesian voice that speaks the phone's prompts (`make ivr-demo`, and the
#             voice channel's test of how long a call speaks)
# Usage: scripts/install-system-packages.sh [haproxy] [chromium] [espeak-ng]   (none: all)
set -euo pipefail
wanted=("$@"); [ ${#wanted[@]} -eq 0 ] && wanted=(haproxy chromium espeak-ng)
missing=()
for package in "${wanted[@]}"; do
  case "$package" in
    haproxy)  command -v haproxy >/dev/null || [ -x /usr/sbin/haproxy ] || missing+=(haproxy) ;;
    chromium) command -v chromium >/dev/null || missing+=(chromium) ;;
    espeak-ng) command -v espeak-ng >/dev/null || missing+=(espeak-ng) ;;
    *) echo "unknown package: $package" >&2; exit 2 ;;
  esac
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing ${missing[*]} from Debian's packages" >&2
sudo_=""; [ "$(id -u)" -ne 0 ] && sudo_="sudo"
# Debian's haproxy package starts its own service unless policy-rc.d forbids it: only the
# project's own HAProxy (started by bot/launcher/scaled.py) should run.
$sudo_ env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null
if [[ " ${missing[*]} " == *" haproxy "* ]] && command -v systemctl >/dev/null; then
  $sudo_ systemctl disable --now haproxy >/dev/null 2>&1 || true
fi
