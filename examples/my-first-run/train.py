"""A first DDP training script, shipped from this directory by `experiment.workdir`.

torch.distributed.run starts one copy per GPU and sets RANK, LOCAL_RANK and WORLD_SIZE; this script
only joins the process group, trains a small regression model for a few steps and, on rank 0, saves
a checkpoint to --output (the experiment's output volume) and logs to Weights & Biases when
WANDB_API_KEY is set (a secretEnv variable) and wandb is installed (requirements.txt, by setup).
It runs unchanged on CPU with gloo (`npm run job:local`) and on GPUs with NCCL.
"""
import argparse
import os

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

    for step in range(args.steps):
        x = torch.randn(64, 32, generator=batches)
        loss = torch.nn.functional.mse_loss(model(x.to(device)), (x @ target).to(device))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if rank == 0 and (step % 10 == 0 or step == args.steps - 1):
            print("step %d loss %.4f" % (step, loss.item()), flush=True)
            if run:
                run.log({"loss": loss.item()}, step=step)

    if rank == 0:
        if args.output:
            os.makedirs(args.output, exist_ok=True)
            torch.save(model.module.state_dict(), os.path.join(args.output, "model.pt"))
        print("TRAIN_DONE world_size=%d cwd=%s" % (world, os.getcwd()), flush=True)
    if run:
        run.finish()
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
