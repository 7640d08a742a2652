#!/usr/bin/env bash
# Runs the whole test suite (offscreen Qt). Sets up everything it needs on first use.
#   ./test.sh                 all tests on python3
#   PYTHON=python3.12 ./test.sh
#   ./test.sh -m faults       pytest options pass through
set -euo pipefail
SETUP_FOR=test   # everything the tests use; any failure of the set-up stops here
source "$(dirname "$0")/scripts/bootstrap.sh"
cd "$ROOT"
export QT_QPA_PLATFORM=offscreen
exec "$VENV/bin/python" -m pytest "$@"
