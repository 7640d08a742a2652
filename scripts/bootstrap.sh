#!/usr/bin/env bash
# Sourced by run.sh and test.sh (and .ci/run): installs what a bare Debian machine lacks, then
# prepares a virtual environment for the chosen interpreter. Safe to run again: each step is
# skipped when its work is already done.
#
# SETUP_FOR=run (run.sh) asks for what the console needs and nothing more, and lets a station
# start with what it has when that is enough: a nurse's account without sudo, a clinic network
# without internet. Otherwise (test.sh, CI) everything the tests need, and any failure stops.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-python3}"
SETUP_FOR="${SETUP_FOR:-test}"
MIN_PYTHON=3.11   # pyproject.toml's requires-python (tests/test_bootstrap.py keeps them equal)

# What the console needs to run. "a|b": either name will do. Debian 13 and Ubuntu 24.04 renamed
# libglib2.0-0 to libglib2.0-0t64, and dpkg-query does not count the old name as installed.
RUN_PACKAGES=(
    python3-venv       # the virtual environment below (Debian's python3 comes without it)
    # Qt's offscreen and xcb platforms load these at run time (shared/design/architecture.md).
    "libglib2.0-0|libglib2.0-0t64" libegl1 libgl1 libxkbcommon0 libfontconfig1 libdbus-1-3
    fonts-dejavu-core
    libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1
    libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-xkb1
    fonts-wqy-microhei # Chinese, Japanese, Korean letters in notes and names (DejaVu has none:
                       # "漂浮感" was three empty boxes in the review and the PDF)
    pulseaudio-utils   # paplay: how alarm tones are played (console/ui/audio.py)
    mosquitto-clients  # mosquitto_passwd: `infusion-console network setup` hashes passwords
    openssl            # `network setup`'s test CA and server certificate
)
# Only the tests use these: a station without sudo must not be held up by them.
TEST_PACKAGES=(
    poppler-utils      # reading PDF reports back
    sqlite3            # the stock CLI the fault suite edits the log with (tests/faults, R7)
    mosquitto          # the clinic bus broker the network tests run (tests/mosquitto.py)
    strace             # counts the log's disk syncs in a test (tests/store/test_outbox.py)
    bindfs             # a FUSE share for the session log (tests/faults/test_r5_log_paths_changed.py)
)

# Before anything is installed: pip's own refusal ("requires a different Python") came only after
# the system packages and a venv that stayed behind.
check_python() {
    PYTHON_VERSION="$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)" \
        || PYTHON_VERSION=""
    if [ "$(printf '%s\n' "$MIN_PYTHON" "$PYTHON_VERSION" | sort -V | head -1)" != "$MIN_PYTHON" ]; then
        echo "infusion-console needs Python $MIN_PYTHON or newer, and $PYTHON is ${PYTHON_VERSION:-not there}: install a newer one and name it, e.g. PYTHON=python3.12 ./run.sh" >&2
        exit 1
    fi
}

installed() {   # any of "a|b" installed
    local name names
    IFS='|' read -ra names <<<"$1"
    for name in "${names[@]}"; do
        case "$(dpkg-query -W -f='${Status}' "$name" 2>/dev/null)" in
            *"install ok installed"*) return 0 ;;
        esac
    done
    return 1
}

apt_name() {   # the name of "a|b" this release's apt has a version of; else the first
    local name names
    IFS='|' read -ra names <<<"$1"
    for name in "${names[@]}"; do
        case "$(LC_ALL=C apt-cache policy "$name" 2>/dev/null)" in
            *"Candidate: ("*) ;;   # "(none)": a name other packages only provide
            *"Candidate: "*) echo "$name"; return ;;
        esac
    done
    echo "${names[0]}"
}

# Root, or a sudo that may be used now. At a terminal sudo may ask for the password; without one
# (a desktop launcher, CI) it must not wait for an answer nobody can give.
AS_ROOT=()
can_be_root() {
    [ "$(id -u)" -eq 0 ] && return 0
    command -v sudo >/dev/null 2>&1 || return 1
    if [ -t 0 ]; then AS_ROOT=(sudo); sudo -v 2>/dev/null
    else AS_ROOT=(sudo -n); sudo -n true 2>/dev/null; fi
}

install_system_packages() {
    command -v dpkg-query >/dev/null 2>&1 || return 0   # not Debian: the README lists them
    local wanted=("${RUN_PACKAGES[@]}") missing=() names=() group updated=no
    [ "$SETUP_FOR" = run ] || wanted+=("${TEST_PACKAGES[@]}")
    for group in "${wanted[@]}"; do installed "$group" || missing+=("$group"); done
    [ ${#missing[@]} -eq 0 ] && return 0
    can_be_root && "${AS_ROOT[@]}" apt-get update -qq && updated=yes
    for group in "${missing[@]}"; do names+=("$(apt_name "$group")"); done
    if [ $updated = yes ]; then
        echo "Installing system packages: ${names[*]}" >&2
        if "${AS_ROOT[@]}" env DEBIAN_FRONTEND=noninteractive \
                apt-get install -y -qq --no-install-recommends "${names[@]}" >&2; then
            case " ${names[*]} " in *" mosquitto "*) quiet_system_broker ;; esac
            return 0
        fi
    fi
    # One line a nurse can hand to whoever has root; the console may well start without them.
    echo "infusion-console: missing system packages; as root: apt-get install ${names[*]}" >&2
    [ "$SETUP_FOR" = run ] || exit 1
}

# Debian's mosquitto package enables and starts a system broker on port 1883 when installed. The
# console and the tests only run brokers they configure themselves (tests/mosquitto.py, the
# clinic's own from `infusion-console network setup`), so set-up must not leave an open,
# anonymous broker running that nobody asked for: disable it and stop it.
quiet_system_broker() {
    if [ -d /run/systemd/system ]; then
        "${AS_ROOT[@]}" systemctl disable --now mosquitto >/dev/null 2>&1 || true
    else
        command -v update-rc.d >/dev/null 2>&1 && "${AS_ROOT[@]}" update-rc.d mosquitto disable >/dev/null 2>&1 || true
        "${AS_ROOT[@]}" service mosquitto stop >/dev/null 2>&1 || true
        # No init system ran the postinst's start (a container): end the daemon it left, if any.
        if [ -f /run/mosquitto/mosquitto.pid ]; then
            "${AS_ROOT[@]}" kill "$(cat /run/mosquitto/mosquitto.pid)" >/dev/null 2>&1 || true
        fi
    fi
    echo "Installed mosquitto; its system broker on port 1883 is disabled and stopped" >&2
}

# The marker of a finished install: what decides the install, and this folder. Not the whole
# pyproject.toml: a comment or a tool's setting there made a station without internet reinstall,
# and fail, at its next start. The folder: a venv's scripts hold its absolute path, so a copied
# folder ran the original's code and a moved one could not start.
install_stamp() {
    "$PYTHON" - "$ROOT" <<'EOF'
import hashlib, json, sys, tomllib
root = sys.argv[1]
with open(f"{root}/pyproject.toml", "rb") as f:
    toml = tomllib.load(f)
project = toml.get("project", {})
decides = {key: project.get(key) for key in (
    "dependencies", "optional-dependencies", "scripts", "gui-scripts", "entry-points",
    "requires-python")}
decides.update(build=toml.get("build-system"), setuptools=toml.get("tool", {}).get("setuptools"),
               root=root)
print(hashlib.sha1(json.dumps(decides, sort_keys=True).encode()).hexdigest()[:12])
EOF
}

# A venv this folder can install into: pip there (a venv made without python3-venv has none and
# never gets it), and its scripts pointing into it (not a copied or moved folder's).
venv_usable() {
    "$VENV/bin/python" -m pip --version >/dev/null 2>&1 \
        && head -2 "$VENV/bin/pip" | grep -qF -e "#!$VENV/bin/" -e "\"$VENV/bin/"
}

console_installed_here() {   # asked from / and isolated: not through the current folder
    local file
    file="$(cd / && "$VENV/bin/python" -I -c 'import console; print(console.__file__)' 2>/dev/null)" \
        && [ "$(realpath -m "$file")" = "$(realpath -m "$ROOT/console/__init__.py")" ]
}

prepare_venv() {
    VENV="$ROOT/.venv-$PYTHON_VERSION"
    local stamp log="$VENV/install.log"
    stamp="$VENV/.installed-$(install_stamp)"
    [ -f "$stamp" ] && return 0
    if ! venv_usable; then
        rm -rf "$VENV"
        "$PYTHON" -m venv "$VENV" || {
            rm -rf "$VENV"   # half made (no pip), it blocked every later run
            echo "'$PYTHON -m venv' failed: install python3-venv (Debian) and run again" >&2
            exit 1
        }
    fi
    echo "Installing the project and its Python packages into $VENV" >&2
    if { "$VENV/bin/python" -m pip install -q --upgrade pip \
            && "$VENV/bin/python" -m pip install -q -e "$ROOT[test]"; } >"$log" 2>&1; then
        rm -f "$VENV"/.installed-* "$log"
        touch "$stamp"
    elif [ "$SETUP_FOR" = run ] && console_installed_here; then
        # A station without internet after an update: what is installed still runs.
        echo "infusion-console: could not update $VENV (no internet? $log says why): starting with what is installed" >&2
    else
        cat "$log" >&2
        echo "infusion-console: could not install into $VENV (the messages above)" >&2
        exit 1
    fi
}

check_python
install_system_packages
prepare_venv
