"""All-reduce bus bandwidth across the processes torch.distributed.run starts (gpu_health.py runs it).

    python -m torch.distributed.run --standalone --nproc_per_node=N allreduce.py [--mib M] [--iterations K]

Each rank takes the GPU of its LOCAL_RANK and all-reduces M MiB K times (NCCL; gloo on a machine without
GPUs). Rank 0 prints one JSON line: {"busbw_gbs": ..., "algbw_gbs": ..., "ranks": N}, with bus bandwidth
as nccl-tests defines it for all-reduce (doc/PERFORMANCE.md): busbw = algbw * 2 (n - 1) / n.
Standard library plus torch only.
"""
import argparse
import json
import os
import time

import torch
import torch.distributed as dist


def main():
    parser = argparse.ArgumentParser(prog="allreduce.py", allow_abbrev=False)
    parser.add_argument("--mib", type=int, default=256)
    parser.add_argument("--iterations", type=int, default=5)
    options = parser.parse_args()
    cuda = torch.cuda.is_available()
    if cuda:
        torch.cuda.set_device(int(os.environ["LOCAL_RANK"]))
    dist.init_process_group("nccl" if cuda else "gloo")
    device = "cuda" if cuda else "cpu"
    data = torch.ones(options.mib * 1024 * 1024 // 4, device=device, dtype=torch.float32)

    def reduce_once():
        dist.all_reduce(data)
        if cuda:
            torch.cuda.synchronize()
    reduce_once()  # warm-up: NCCL sets up its rings on the first call
    dist.barrier()
    start = time.perf_counter()
    for _ in range(options.iterations):
        reduce_once()
    seconds = (time.perf_counter() - start) / options.iterations
    ranks = dist.get_world_size()
    algbw = data.numel() * data.element_size() / seconds / 1e9
    if dist.get_rank() == 0:
        print(json.dumps({"busbw_gbs": algbw * 2 * (ranks - 1) / ranks, "algbw_gbs": algbw, "ranks": ranks}), flush=True)
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
