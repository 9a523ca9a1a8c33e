#!/usr/bin/env bash
# The launcher tests run a real torch.distributed.run on CPU (gloo). Debian's python3-torch
# provides one; install it when it is missing and we may (root), else say what to run.
set -euo pipefail
PY=${GTC_TEST_PYTHON:-/usr/bin/python3}
if "$PY" -c 'import torch' 2>/dev/null; then
  exit 0
fi
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
  echo "installing Debian's python3-torch for the launcher tests (one time)..." >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-torch >&2
  "$PY" -c 'import torch' && exit 0
fi
echo "error: the launcher tests need PyTorch for $PY: run 'sudo apt-get install python3-torch' (Debian/Ubuntu)," >&2
echo "       or point GTC_TEST_PYTHON at a python3 with torch installed." >&2
exit 1
