/**
 * How an experiment's NCCL talks between nodes: over EFA or over TCP sockets. Decided once here;
 * the Job (k8s/network.ts) and the plan read this decision.
 *
 * EFA is attached to a pool's nodes when a job can span them (PoolPlan.efaInterfaces), and it is
 * paid for with the instance either way. NCCL uses it only through libfabric and the aws-ofi-nccl
 * plugin inside the image; without them it falls back to TCP sockets and says so only in its
 * debug log (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/efa-start-nccl.html). So a
 * multi-node run on an EFA pool with an image that cannot use EFA is refused, unless the stack
 * opts out with `experiment.network: tcp`.
 */
import type { Problem } from "../config/errors";
import { show } from "../config/errors";
import type { ExperimentSpec } from "../config/spec";
import type { PoolPlan } from "./pools";

export type NetworkMode = "efa" | "tcp";

export interface NetworkPlan {
  readonly mode: NetworkMode;
  /** EFA interfaces on each node of the experiment's pool (0: none attached). */
  readonly poolEfaInterfaces: number;
  /** Whether the image can use EFA (catalog fact, or `efa: true` on a custom image). */
  readonly imageEfa: boolean;
  readonly reason: string;
}

type NetworkExperiment = Pick<ExperimentSpec, "nodes" | "network" | "image">;

const imageName = (image: ExperimentSpec["image"]) => (image.custom ? image.requested : image.key);

/** Whether the run can use EFA at all: more than one node, on a pool whose nodes carry EFA. */
export function efaPossible(experiment: NetworkExperiment, pool: PoolPlan): boolean {
  return experiment.nodes > 1 && pool.efaInterfaces > 0;
}

export function planNetwork(experiment: NetworkExperiment, pool: PoolPlan): NetworkPlan {
  const possible = efaPossible(experiment, pool);
  const mode: NetworkMode = experiment.network ?? (possible ? "efa" : "tcp");
  const common = { poolEfaInterfaces: pool.efaInterfaces, imageEfa: experiment.image.efa };
  if (mode === "efa" && possible) {
    return { ...common, mode, reason: `EFA: ${pool.efaInterfaces} interfaces per ${pool.instance?.type ?? "node"}, image has libfabric and aws-ofi-nccl` };
  }
  if (possible) {
    return { ...common, mode: "tcp", reason: `TCP sockets by choice (experiment.network: tcp); the pool's ${pool.efaInterfaces} EFA interfaces per node stay unused` };
  }
  return { ...common, mode: "tcp", reason: experiment.nodes > 1 ? `TCP sockets: pool "${pool.name}" has no EFA` : "one node: NVLink/PCIe and shared memory, no network between nodes" };
}

/** Problems of the experiment's network choice; the plan reports them with the compatibility gate's. */
export function networkProblems(experiment: NetworkExperiment, pool: PoolPlan): Problem[] {
  const possible = efaPossible(experiment, pool);
  if (experiment.network === "efa" && !possible) {
    const why =
      experiment.nodes < 2
        ? `a single-node run has no traffic between nodes (got nodes: ${experiment.nodes})`
        : `pool ${show(pool.name)} has no EFA interfaces (${pool.instance ? `${pool.instance.type} has ${pool.instance.efaInterfaces}${pool.instance.efaInterfaces > 0 && pool.maxNodes < 2 ? " but the pool has maxNodes 1" : ""}` : `a ${pool.kind} pool`})`;
    return [{ path: "experiment.network", message: `"efa" is not possible: ${why} (allowed: tcp, or a multi-node run on a managed pool of an EFA instance type such as p4d.24xlarge)` }];
  }
  if ((experiment.network ?? "efa") === "efa" && possible && !experiment.image.efa) {
    const where = `${pool.instance?.type ?? "its nodes"}, ${pool.efaInterfaces} EFA interfaces per node`;
    return [
      {
        path: "experiment.image",
        message:
          `${imageName(experiment.image)} cannot use EFA (no libfabric or aws-ofi-nccl inside), so this ${experiment.nodes}-node run on pool ${show(pool.name)} (${where}) ` +
          `would run NCCL over TCP sockets while paying for EFA (use an EFA-capable image: pytorch-2.8-cuda12.8-efa, which the stack builds from images/efa/Dockerfile, or a custom image with efa: true; ` +
          `or set experiment.network: tcp to run over TCP on purpose)`,
      },
    ];
  }
  return [];
}
