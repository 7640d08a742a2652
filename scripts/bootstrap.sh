#!/usr/bin/env bash
# Sourced by run.sh and test.sh: installs what a bare Debian machine lacks, then prepares a
# virtual environment for the chosen interpreter. Safe to run again: each step is skipped when
# its work is already done.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-python3}"

# Qt's offscreen and xcb platforms load these at run time (shared/design/architecture.md).
SYSTEM_PACKAGES=(
    libglib2.0-0 libegl1 libgl1 libxkbcommon0 libfontconfig1 libdbus-1-3 fonts-dejavu-core
    libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1
    libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-xkb1
    fonts-wqy-microhei # Chinese, Japanese, Korean letters in notes and names (DejaVu has none:
                       # "漂浮感" was three empty boxes in the review and the PDF)
    poppler-utils
    pulseaudio-utils   # paplay: how alarm tones are played (console/ui/audio.py)
    sqlite3            # the stock CLI the fault suite edits the log with (tests/faults, R7)
    mosquitto          # the clinic bus broker the network tests run (tests/mosquitto.py)
    mosquitto-clients  # mosquitto_passwd: `infusion-console network setup` hashes passwords
    openssl            # the set-up's test CA and server certificate
    strace             # counts the log's disk syncs in a test (tests/store/test_outbox.py)
    bindfs             # a FUSE share for the session log (tests/faults/test_r5_log_paths_changed.py)
)

install_system_packages() {
    command -v dpkg-query >/dev/null 2>&1 || return 0   # not Debian: the README lists them
    local missing=()
    for pkg in "${SYSTEM_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
            || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    echo "Installing system packages: ${missing[*]}" >&2
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
    case " ${missing[*]} " in *" mosquitto "*) quiet_system_broker "$sudo" ;; esac
}

# Debian's mosquitto package enables and starts a system broker on port 1883 when installed. The
# console and the tests only run brokers they configure themselves (tests/mosquitto.py, the
# clinic's own from `infusion-console network setup`), so set-up must not leave an open,
# anonymous broker running that nobody asked for: disable it and stop it.
quiet_system_broker() {
    local sudo="$1"
    if [ -d /run/systemd/system ]; then
        $sudo systemctl disable --now mosquitto >/dev/null 2>&1 || true
    else
        command -v update-rc.d >/dev/null 2>&1 && $sudo update-rc.d mosquitto disable >/dev/null 2>&1 || true
        $sudo service mosquitto stop >/dev/null 2>&1 || true
        # No init system ran the postinst's start (a container): end the daemon it left, if any.
        if [ -f /run/mosquitto/mosquitto.pid ]; then
            $sudo kill "$(cat /run/mosquitto/mosquitto.pid)" >/dev/null 2>&1 || true
        fi
    fi
    echo "Installed mosquitto; its system broker on port 1883 is disabled and stopped" >&2
}

prepare_venv() {
    local version
    version="$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
    VENV="$ROOT/.venv-$version"
    if [ ! -x "$VENV/bin/python" ]; then
        "$PYTHON" -m venv "$VENV" || {
            echo "'$PYTHON -m venv' failed: install python3-venv (Debian) and run again" >&2
            exit 1
        }
    fi
    # Reinstall only when the project's dependency list changed.
    local stamp="$VENV/.installed-$(sha1sum "$ROOT/pyproject.toml" | cut -c1-12)"
    if [ ! -f "$stamp" ]; then
        "$VENV/bin/python" -m pip install -q --upgrade pip >&2
        "$VENV/bin/python" -m pip install -q -e "$ROOT[test]" >&2
        rm -f "$VENV"/.installed-*
        touch "$stamp"
    fi
}

install_system_packages
prepare_venv
