"""DDP smoke workload and cluster acceptance test; the training script given to torch.distributed.run.

    python3 -m torch.distributed.run --nproc_per_node K smoke.py [--seconds S | --steps N] [--batch-size B]
        [--hidden H] [--layers L] [--allreduce-mib M] [--allreduce-iters I] [--data DIR] [--checkpoint-dir DIR] [--cpu]
        [--resume-dir DIR] [--save-every N] [--log-every N]

Each rank trains the same small MLP, wrapped in DistributedDataParallel, on synthetic data generated on
its device (so the throughput is compute plus gradient all-reduce, without data loading). Then it times
all_reduce on a buffer of --allreduce-mib MiB. NCCL on cuda:LOCAL_RANK when CUDA is usable, gloo on CPU.
--data only proves the dataset mount is readable (each rank reads its share of the files and reports
bytes and MB/s); the model never sees those bytes. --checkpoint-dir makes rank 0 save and reload a
checkpoint to prove the output volume is writable. --resume-dir (default $GTC_CHECKPOINT_DIR, see
resume.py) makes the run resumable: rank 0 saves the model, optimizer and step every --save-every steps
and on SIGTERM, and a run that finds a saved state continues from its step (with --steps N, up to step N).

Rank 0 ends with exactly one machine-readable line: `SMOKE_RESULT {json}` (see README.md for the keys).
Exit code 0 when every check passed ("ok": true), 1 otherwise. Works with torch 1.13 and 2.x.
"""
import argparse
import json
import math
import os
import socket
import sys
import threading
import time

import torch
import torch.distributed as dist
import torch.nn as nn
from torch.nn.parallel import DistributedDataParallel

import resume

MiB = 1024 * 1024


def parse_args(argv=None):
    def positive(kind):
        def convert(text):
            value = kind(text)
            if value <= 0:
                raise argparse.ArgumentTypeError("must be > 0, got %s" % text)
            return value
        return convert

    parser = argparse.ArgumentParser(prog="smoke.py", allow_abbrev=False, description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=positive(float), default=10.0, help="timed training length (default 10)")
    parser.add_argument("--steps", type=int, default=0, help="run exactly N timed steps instead of --seconds")
    parser.add_argument("--warmup-steps", type=int, default=3, help="untimed steps first (default 3)")
    parser.add_argument("--batch-size", type=positive(int), default=256, help="samples per rank per step")
    parser.add_argument("--input-dim", type=positive(int), default=512)
    parser.add_argument("--hidden", type=positive(int), default=1024, help="width of the hidden layers")
    parser.add_argument("--layers", type=positive(int), default=4, help="number of hidden layers")
    parser.add_argument("--classes", type=positive(int), default=10)
    parser.add_argument("--allreduce-mib", type=positive(float), default=64.0, help="all_reduce buffer size")
    parser.add_argument("--allreduce-iters", type=positive(int), default=5, help="timed all_reduce calls")
    parser.add_argument("--data", metavar="DIR", help="read files under DIR to prove the dataset mount works")
    parser.add_argument("--data-max-mib", type=positive(float), default=64.0, help="bytes read per rank, at most")
    parser.add_argument("--checkpoint-dir", metavar="DIR", help="rank 0 writes and reloads a checkpoint here")
    parser.add_argument("--cpu", action="store_true", help="use gloo on CPU even when CUDA is available")
    parser.add_argument("--resume-dir", metavar="DIR", default=None,
                        help="save and resume training state here (default $%s)" % resume.ENV)
    parser.add_argument("--save-every", type=positive(int), default=100, help="steps between saves (default 100)")
    parser.add_argument("--log-every", type=int, default=0, metavar="N",
                        help="rank 0 prints `smoke: step S` every N global steps (default 0: never)")
    return parser.parse_args(argv)


def setup(args):
    """Init the process group from torchrun's environment; a lone `python3 smoke.py` runs as world size 1."""
    if "RANK" not in os.environ:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        os.environ.update(RANK="0", WORLD_SIZE="1", LOCAL_RANK="0", MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    rank, world, local = (int(os.environ[k]) for k in ("RANK", "WORLD_SIZE", "LOCAL_RANK"))
    if torch.cuda.is_available() and not args.cpu:
        if local >= torch.cuda.device_count():
            sys.exit("smoke: LOCAL_RANK %d but only %d GPU(s) visible; --nproc_per_node must not exceed the "
                     "GPUs per pod" % (local, torch.cuda.device_count()))
        torch.cuda.set_device(local)  # before init, so NCCL binds this rank to its own GPU
        device, backend = torch.device("cuda", local), "nccl"
    else:
        device, backend = torch.device("cpu"), "gloo"
    dist.init_process_group(backend, init_method="env://")
    return rank, world, device, backend


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def read_dataset(root, rank, world, max_bytes, max_files=10000):
    """Read this rank's share (every world-th file of a sorted walk) up to max_bytes; report what happened."""
    started, files, errors = time.perf_counter(), [], []
    for dirpath, dirnames, filenames in os.walk(root, onerror=errors.append):
        dirnames.sort()
        files.extend(os.path.join(dirpath, name) for name in sorted(filenames))
        if len(files) >= max_files:  # an S3 mount may hold millions of objects; a sample proves the point
            break
    read = nbytes = 0
    for path in files[:max_files][rank::world]:
        if nbytes >= max_bytes:
            break
        try:
            with open(path, "rb") as handle:
                while nbytes < max_bytes:
                    chunk = handle.read(int(min(MiB, max_bytes - nbytes)))
                    if not chunk:
                        break
                    nbytes += len(chunk)
            read += 1
        except OSError as exc:
            errors.append(exc)
    return [read, nbytes, len(errors), time.perf_counter() - started]


def build_model(args):
    layers, width = [], args.input_dim
    for _ in range(args.layers):
        layers += [nn.Linear(width, args.hidden), nn.ReLU()]
        width = args.hidden
    layers.append(nn.Linear(width, args.classes))
    return nn.Sequential(*layers)


def train(args, model, device, rank, saved=None, save=None, stop=None):
    """Returns (timed steps, seconds, first loss, last loss, last global step, stopped by SIGTERM).

    `saved` is a resumed state (its step and optimizer); `save(step, optimizer)` is called on rank 0
    every --save-every global steps and when a SIGTERM stops the loop.
    """
    pool = args.batch_size * 8
    inputs = torch.randn(pool, args.input_dim, generator=torch.Generator().manual_seed(1000 + rank))
    teacher = torch.randn(args.input_dim, args.classes, generator=torch.Generator().manual_seed(7))
    labels = (inputs @ teacher).argmax(dim=1).to(device)  # a learnable target, so the loss can fall
    inputs = inputs.to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    if saved is not None:
        optimizer.load_state_dict(saved["optimizer"])
    start = saved["step"] if saved is not None else 0
    loss_fn = nn.CrossEntropyLoss()

    def step(index):
        start = (index * args.batch_size) % pool
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(inputs[start:start + args.batch_size]), labels[start:start + args.batch_size])
        loss.backward()  # DDP all-reduces the gradients here
        optimizer.step()
        return loss

    for index in range(args.warmup_steps if start == 0 else 0):  # a resumed model is past its warm-up
        step(index)
    flag = torch.zeros(1, device=device)
    dist.all_reduce(flag)  # everyone finished warm-up: start the clock together
    sync(device)
    started, steps, first = time.perf_counter(), 0, None
    stopped = False
    while True:
        loss = step(args.warmup_steps + start + steps)  # the data continues where the saved run left off
        steps += 1
        first = loss.item() if first is None else first
        done = start + steps >= args.steps if args.steps > 0 else time.perf_counter() - started >= args.seconds
        # Ranks must agree on the last step, or one would wait forever in DDP's next all-reduce.
        # 2 = a rank was asked to stop (SIGTERM): everyone stops at this same step and rank 0 saves.
        flag.fill_(2.0 if stop is not None and stop.requested else 1.0 if done else 0.0)
        dist.all_reduce(flag, op=dist.ReduceOp.MAX)
        stopped = flag.item() > 1
        if args.log_every > 0 and rank == 0 and (start + steps) % args.log_every == 0:
            print("smoke: step %d" % (start + steps), flush=True)
        if save is not None and rank == 0 and (stopped or (start + steps) % args.save_every == 0):
            save(start + steps, optimizer)
        if flag.item() > 0:
            break
    last = loss.item()
    sync(device)
    return steps, time.perf_counter() - started, first, last, start + steps, stopped


def bench_allreduce(args, device, rank, world):
    """Returns (bytes, seconds per all_reduce, result correct)."""
    numel = max(1, int(args.allreduce_mib * MiB) // 4)
    buffer = torch.full((numel,), float(rank + 1), dtype=torch.float32, device=device)
    dist.all_reduce(buffer)
    expected = world * (world + 1) / 2.0  # exact in float32 for any realistic world size
    correct = buffer.min().item() == expected and buffer.max().item() == expected
    buffer.zero_()
    for _ in range(2):
        dist.all_reduce(buffer)
    sync(device)
    started = time.perf_counter()
    for _ in range(args.allreduce_iters):
        dist.all_reduce(buffer)
    sync(device)
    return numel * 4, (time.perf_counter() - started) / args.allreduce_iters, correct


def save_checkpoint(directory, model, steps, world):
    """Rank 0 only: write a new file once (no rename, no overwrite: an S3 output allows neither,
    resume.py), reload it, and return {path, bytes} or {error}. Earlier proofs are deleted where the
    volume allows it."""
    path = os.path.join(directory, "smoke-checkpoint-%d-%d.pt" % (int(time.time() * 1000), os.getpid()))
    try:
        os.makedirs(directory, exist_ok=True)
        state = {"model": {k: v.detach().cpu() for k, v in model.state_dict().items()}, "steps": steps,
                 "world_size": world}
        with open(path, "xb") as handle:
            torch.save(state, handle)
        loaded = torch.load(path, map_location="cpu")
        if sorted(loaded["model"]) != sorted(state["model"]):
            raise ValueError("reloaded checkpoint has different keys")
        for name in os.listdir(directory):
            if name.startswith("smoke-checkpoint-") and os.path.join(directory, name) != path:
                try:
                    os.remove(os.path.join(directory, name))
                except OSError:
                    break
        return {"path": path, "bytes": os.path.getsize(path)}
    except Exception as exc:  # an unwritable volume is a result to report, not a crash
        return {"path": path, "error": "%s: %s" % (type(exc).__name__, exc)}


def main(argv=None):
    args = parse_args(argv)
    wall = time.perf_counter()
    rank, world, device, backend = setup(args)
    torch.manual_seed(0)  # same initial weights everywhere (DDP also broadcasts rank 0's)
    data = read_dataset(args.data, rank, world, args.data_max_mib * MiB) if args.data else [0, 0, 0, 0.0]
    model = build_model(args)
    directory = resume.checkpoint_dir(args.resume_dir)
    saved, saved_path = resume.latest(directory) if directory else (None, None)
    if saved is not None:  # every rank loads the same state (DDP would broadcast rank 0's anyway)
        model.load_state_dict(saved["model"])
        print("smoke: rank %d resuming from step %d (%s)" % (rank, saved["step"], saved_path), flush=True)
    model = model.to(device)
    stop = resume.StopRequest() if directory else None

    def save(step, optimizer):
        state = {"model": {k: v.detach().cpu() for k, v in model.state_dict().items()},
                 "optimizer": optimizer.state_dict(), "step": step}
        print("smoke: saved step %d to %s" % (step, resume.save(directory, state)), flush=True)

    ddp = DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None)
    steps, seconds, first, last, last_step, stopped = train(args, ddp, device, rank, saved, save if directory else None, stop)
    rate = steps * args.batch_size / seconds
    print("smoke: rank %d/%d on %s: %d steps in %.2f s, %.1f samples/s, loss %.4f -> %.4f"
          % (rank, world, device, steps, seconds, rate, first, last), flush=True)
    nbytes, per_call, correct = bench_allreduce(args, device, rank, world)
    checksum = sum(p.detach().double().sum().item() for p in model.parameters())

    mine = torch.tensor([rate, steps, seconds, checksum, per_call, float(correct), float(math.isfinite(last))]
                        + data, dtype=torch.float64, device=device)
    rows = [torch.zeros_like(mine) for _ in range(world)]
    dist.all_gather(rows, mine)
    rows = [row.cpu().tolist() for row in rows]

    problems = []
    if len({int(r[1]) for r in rows}) != 1 or min(r[0] for r in rows) <= 0:
        problems.append("ranks ran different step counts or made no progress")
    sums = [r[3] for r in rows]
    if max(sums) - min(sums) > 1e-6 * max(1.0, abs(sums[0])):
        problems.append("model parameters differ across ranks after training (DDP gradient sync is broken)")
    if not all(r[5] for r in rows):
        problems.append("all_reduce returned wrong values")
    if not all(r[6] for r in rows):
        problems.append("the loss is not finite")
    if args.data and sum(r[7] for r in rows) == 0:
        problems.append("no readable files under %s" % args.data)
    elif args.data and sum(r[9] for r in rows) > 0:
        problems.append("%d read errors under %s" % (sum(r[9] for r in rows), args.data))

    algbw = nbytes / max(r[4] for r in rows) / 1e9  # the slowest rank sets the pace
    busbw = algbw * 2 * (world - 1) / world  # nccl-tests' bus bandwidth for all_reduce
    total = sum(r[0] for r in rows)
    if rank == 0:
        checkpoint = save_checkpoint(args.checkpoint_dir, model, steps, world) if args.checkpoint_dir else None
        if checkpoint and "error" in checkpoint:
            problems.append("checkpoint not written: %s" % checkpoint["error"])
        params = sum(p.numel() for p in model.parameters())
        print("smoke: total %.1f samples/s over %d ranks (%s, batch %d per rank, %d parameters)"
              % (total, world, backend, args.batch_size, params))
        print("smoke: all_reduce of %.1f MiB x%d: algbw %.3f GB/s, busbw %.3f GB/s"
              % (nbytes / MiB, args.allreduce_iters, algbw, busbw))
        result = {
            "ok": not problems, "problems": problems, "world_size": world, "backend": backend,
            "device": device.type, "gpu": torch.cuda.get_device_name(device) if device.type == "cuda" else None,
            "torch": str(torch.__version__), "steps": steps, "seconds": round(max(r[2] for r in rows), 3),
            "batch_size": args.batch_size, "parameters": params,
            "samples_per_s_total": round(total, 2), "samples_per_s_per_rank": [round(r[0], 2) for r in rows],
            "loss_first": first if math.isfinite(first) else None, "loss_last": last if math.isfinite(last) else None,
            "allreduce_bytes": nbytes, "allreduce_iters": args.allreduce_iters,
            "allreduce_algbw_gbps": round(algbw, 4), "allreduce_busbw_gbps": round(busbw, 4),
            "data": None if not args.data else {
                "path": args.data, "files": int(sum(r[7] for r in rows)), "bytes": int(sum(r[8] for r in rows)),
                "read_mb_per_s": round(sum(r[8] for r in rows) / max(max(r[10] for r in rows), 1e-9) / 1e6, 2)},
            "checkpoint": checkpoint, "wall_seconds": round(time.perf_counter() - wall, 3),
            "resumed_from_step": saved["step"] if saved is not None else None, "last_step": last_step,
            "stopped_by_sigterm": stopped,
        }
        print("SMOKE_RESULT " + json.dumps(result, sort_keys=True), flush=True)
    # Leave together: a gloo rank whose peers already exited can spin forever in its teardown. This also
    # gives every rank rank 0's verdict (the checkpoint is only known there), so all exit with one code.
    verdict = torch.tensor([0.0 if problems else 1.0], device=device)
    dist.broadcast(verdict, src=0)
    code = 0 if verdict.item() > 0 else 1
    if stopped:
        code = 128 + 15  # asked to stop before the end: the state is saved, but the run is not done
    del ddp  # DDP holds the process group; drop it so the group really closes now, while every rank is here
    # The result is out; a teardown that hangs (seen rarely with gloo) must not hold the Job forever.
    watchdog = threading.Timer(60.0, os._exit, args=(code,))
    watchdog.daemon = True
    watchdog.start()
    dist.destroy_process_group()
    watchdog.cancel()
    return code


if __name__ == "__main__":
    sys.exit(main())
