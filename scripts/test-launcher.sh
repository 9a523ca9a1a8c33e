#!/usr/bin/env bash
# The launcher's own tests (Python unittest) against a real torch; see scripts/ensure-torch.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${GTC_TEST_PYTHON:-/usr/bin/python3}
exec "$PY" -m unittest discover -s tests/images -t . "$@"
