"""A first DDP training script, shipped from this directory by `experiment.workdir`.

torch.distributed.run starts one copy per GPU and sets RANK, LOCAL_RANK and WORLD_SIZE; this script
only joins the process group, trains a small regression model for a few steps and, on rank 0, saves
a checkpoint to --output (the experiment's output volume) and logs to Weights & Biases when
WANDB_API_KEY is set (a secretEnv variable) and wandb is installed (requirements.txt, by setup).
It runs unchanged on CPU with gloo (`npm run job:local`) and on GPUs with NCCL.

Restarts resume (docs/training-job.md, "Restarts resume"): with GTC_CHECKPOINT_DIR set (every pod
with an output volume gets it) rank 0 saves every 10 steps and on SIGTERM, each save a new file
written once and never renamed (an S3 output cannot rename), and a start loads the newest that loads.
Only the disrupted node's ranks get SIGTERM, so every step the ranks all-reduce a stop flag and stop
together.
"""
import argparse
import os
import re
import signal

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel


def parse():
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--output", default="", help="directory for the checkpoint (rank 0 writes it)")
    return parser.parse_args()


def maybe_wandb(rank, config):
    """A W&B run on rank 0 when a key and the package are there; None otherwise."""
    if rank != 0 or not os.environ.get("WANDB_API_KEY"):
        return None
    try:
        import wandb
    except ImportError:
        print("WANDB_API_KEY is set but wandb is not installed: add it to requirements.txt", flush=True)
        return None
    return wandb.init(project="my-first-run", config=config)


def saved_states(directory):
    """(step, path) of each state file, newest first."""
    names = os.listdir(directory) if directory and os.path.isdir(directory) else []
    found = [(int(m.group(1)), os.path.join(directory, n)) for n in names for m in [re.match(r"^state-(\d+)\.pt$", n)] if m]
    return sorted(found, reverse=True)


def load_newest(directory):
    for step, path in saved_states(directory):
        try:
            return torch.load(path, map_location="cpu")
        except Exception:  # a partial file from a writer killed midway
            continue
    return None


def save(directory, step, model, optimizer):
    """A new file, written once: never a temporary file renamed into place."""
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, "state-%09d.pt" % step)
    if not os.path.exists(path):
        with open(path, "xb") as handle:
            torch.save({"step": step, "model": model.state_dict(), "optimizer": optimizer.state_dict()}, handle)
    for _, old in saved_states(directory)[2:]:  # keep two; a volume that refuses deletes keeps all
        try:
            os.remove(old)
        except OSError:
            break


def main():
    args = parse()
    cuda = torch.cuda.is_available()
    dist.init_process_group("nccl" if cuda else "gloo")
    rank, world = dist.get_rank(), dist.get_world_size()
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    device = torch.device("cuda", local_rank) if cuda else torch.device("cpu")
    if cuda:
        torch.cuda.set_device(device)

    torch.manual_seed(0)  # the same initial weights on every rank (DDP also broadcasts rank 0's)
    model = torch.nn.Sequential(torch.nn.Linear(32, 64), torch.nn.ReLU(), torch.nn.Linear(64, 1)).to(device)
    model = DistributedDataParallel(model, device_ids=[local_rank] if cuda else None)
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr)
    target = torch.randn(32, 1, generator=torch.Generator().manual_seed(7))
    batches = torch.Generator().manual_seed(1000 + rank)  # each rank sees different data
    run = maybe_wandb(rank, vars(args))
    checkpoints = os.environ.get("GTC_CHECKPOINT_DIR")
    state = load_newest(checkpoints)
    start = 0
    if state is not None:
        model.module.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        start = state["step"]
        print("rank %d resuming from step %d" % (rank, start), flush=True)
    sigterm = []
    signal.signal(signal.SIGTERM, lambda *_: sigterm.append(True))
    stop = torch.zeros(1, device=device)

    for step in range(start, args.steps):
        x = torch.randn(64, 32, generator=batches)
        loss = torch.nn.functional.mse_loss(model(x.to(device)), (x @ target).to(device))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if rank == 0 and (step % 10 == 0 or step == args.steps - 1):
            print("step %d loss %.4f" % (step, loss.item()), flush=True)
            if run:
                run.log({"loss": loss.item()}, step=step)
        # Every rank stops at the same step once any rank got SIGTERM, or the others would block here.
        stop.fill_(1.0 if sigterm else 0.0)
        dist.all_reduce(stop, op=dist.ReduceOp.MAX)
        if checkpoints and rank == 0 and (stop.item() > 0 or (step + 1) % 10 == 0):
            save(checkpoints, step + 1, model.module, optimizer)
        if stop.item() > 0:
            print("rank %d stopping at step %d (SIGTERM)" % (rank, step + 1), flush=True)
            dist.destroy_process_group()
            return 143

    if rank == 0:
        if args.output:
            os.makedirs(args.output, exist_ok=True)
            torch.save(model.module.state_dict(), os.path.join(args.output, "model.pt"))
        print("TRAIN_DONE world_size=%d cwd=%s" % (world, os.getcwd()), flush=True)
    if run:
        run.finish()
    dist.destroy_process_group()


if __name__ == "__main__":
    raise SystemExit(main())
