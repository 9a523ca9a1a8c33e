#!/usr/bin/env bash
# A training pod's checks on this machine's GPUs, before it joins a cluster (say a hybrid node) or
# when a node is suspect: the launcher's preflight, the GPU health check against the catalog GPU's
# figures (images/launcher/gpu_health.py), then the smoke workload on every GPU with NCCL.
#
#   scripts/gpu-check.sh GPU [PYTHON]
#
# GPU is a catalog key (t4, a10g, l4, l40s, a100-40gb, a100-80gb, h100, h200, b200, rtx4090, rtx5090);
# PYTHON is an interpreter with the training image's torch and CUDA (default python3). Exit codes are
# the launcher's: 0 all good, 2 a failed preflight, 77 a sick GPU (docs/training-job.md).
set -euo pipefail
if [ $# -lt 1 ]; then
  echo "usage: scripts/gpu-check.sh GPU [PYTHON]   (GPU: a catalog key such as h100)" >&2
  exit 2
fi
GPU=$1
PY=${2:-python3}
cd "$(dirname "$0")/../images/launcher"
GPUS=$("$PY" -c "import torch; print(torch.cuda.device_count())")
if [ "$GPUS" -lt 1 ]; then
  echo "gpu-check: $PY's torch sees no CUDA device" >&2
  exit 2
fi
start=$(date +%s)
"$PY" launch.py --expect-gpus="$GPUS" --min-shm-mib=1024 --gpu-health="$GPU" -- \
  --standalone --nnodes=1 --nproc_per_node="$GPUS" smoke.py --seconds 10
echo "gpu-check: $GPUS GPU(s) checked and trained in $(( $(date +%s) - start )) s"
