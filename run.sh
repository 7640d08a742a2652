#!/usr/bin/env bash
# Runs the console. Without arguments it opens a demo session fed by the built-in simulated
# device, logging to the default data file; any arguments go to `infusion-console` as they are.
set -euo pipefail
SETUP_FOR=run   # only what the console needs; a station starts with what it has when it can
source "$(dirname "$0")/scripts/bootstrap.sh"
if [ $# -eq 0 ]; then set -- --demo; fi
exec "$VENV/bin/infusion-console" "$@"
