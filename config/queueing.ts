/**
 * Queueing settings of a cluster: Kueue (admission, quotas, waitForPodsReady) and JobSet
 * (multi-node runs), installed by the stack that owns the cluster (`create` and `existing`) and
 * used by every experiment on it. A `reuse` stack inherits its cluster stack's settings; it has
 * none of its own. See docs/training-job.md, "Queueing".
 */
import { z } from "zod";
import type { Problem } from "./errors";
import { JOBSET_CHART, KUEUE_CHART } from "../catalog/versions";

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** The LocalQueue each experiment stack creates in its own namespace (config/names.ts stackNamespace). */
export const DEFAULT_LOCAL_QUEUE = "training";
/**
 * Upper bound of the derived waitForPodsReady timeout: a run whose pods are not all ready by then
 * gives its nodes back. A stack may set a longer timeout explicitly (podsReadyTimeoutMinutes).
 */
export const DEFAULT_PODS_READY_MAX_MINUTES = 20;

export const queueingSchema = z.strictObject({
  install: z
    .boolean()
    .default(true)
    .meta({
      description: `install Kueue ${KUEUE_CHART.version} and JobSet ${JOBSET_CHART.version} and create the ResourceFlavors, ClusterQueue and LocalQueue. \`false\` only with \`cluster.mode: existing\`, for a cluster that already runs them: nothing is installed, and each experiment stack creates its LocalQueue \`localQueue\` on that cluster's ClusterQueue \`clusterQueue\``,
    }),
  localQueue: z
    .string()
    .min(1)
    .max(63)
    .regex(DNS1123_LABEL, { message: "must be a DNS-1123 label: lower-case letters, digits and '-'" })
    .default(DEFAULT_LOCAL_QUEUE)
    .meta({ description: "the LocalQueue every run is submitted to, created by each experiment stack in its own namespace (named after the stack) on the cluster's ClusterQueue" }),
  clusterQueue: z
    .string()
    .min(1)
    .max(253)
    .regex(DNS1123_SUBDOMAIN, { message: "must be a DNS-1123 subdomain: lower-case letters, digits, '-' and '.'" })
    .optional()
    .meta({ description: "with `install: false` (and only then): the cluster's own ClusterQueue that each experiment stack's LocalQueue points at" }),
  podsReadyTimeoutMinutes: z
    .number()
    .int()
    .min(1)
    .max(240)
    .optional()
    .meta({
      description:
        "Kueue `waitForPodsReady.timeout`: a run whose pods are not all ready this long after admission is evicted (its GPUs freed) and requeued (1–240)",
      defaultText: `derived from the pools' expected time to ready pods (scale-up from zero plus image pull), at most ${DEFAULT_PODS_READY_MAX_MINUTES}`,
    }),
  requeueLimit: z.number().int().min(0).max(20).default(3).meta({ description: "requeues after such an eviction before the run is deactivated (0–20)" }),
  requeueBackoffBaseSeconds: z
    .number()
    .int()
    .min(1)
    .max(3600)
    .default(60)
    .meta({ description: "base of the exponential backoff between requeues (it doubles with each requeue)" }),
});

export type QueueingInput = z.infer<typeof queueingSchema>;

/** The queueing of the cluster a stack runs on, resolved once. */
export interface ClusterQueueing extends QueueingInput {
  /** The stack whose `pulumi up` installs Kueue/JobSet and creates the queues; undefined when the cluster's own ones are used. */
  readonly ownerStack?: string;
  /** Whether this stack itself installs and creates them. */
  readonly installedHere: boolean;
}

/** Problems with a stack's own `queueing` key, given its cluster mode. */
export function queueingRules(mode: "create" | "reuse" | "existing", queueing: QueueingInput | undefined, reuseStack?: string): Problem[] {
  if (!queueing) return [];
  if (mode === "reuse") {
    return [{ path: "queueing", message: `is set by the cluster's own stack with cluster.mode "reuse" (got a queueing section; set it in stacks/Pulumi.${reuseStack}.yaml, whose queue this stack uses)` }];
  }
  if (queueing.install && queueing.clusterQueue !== undefined) {
    return [{ path: "queueing.clusterQueue", message: `is set only with install: false (got ${JSON.stringify(queueing.clusterQueue)}; with install: true the stack creates the ClusterQueue itself)` }];
  }
  if (!queueing.install && queueing.clusterQueue === undefined && mode === "existing") {
    return [{ path: "queueing.clusterQueue", message: "is required with install: false (got none; name the cluster's ClusterQueue, on which each experiment stack creates its LocalQueue in its own namespace)" }];
  }
  if (mode === "create" && !queueing.install) {
    return [{ path: "queueing.install", message: `must be true with cluster.mode "create" (got false; the new cluster has no Kueue or JobSet of its own; false is for an existing cluster that already runs them)` }];
  }
  return [];
}

/**
 * The queueing an experiment of this stack uses: its own (create, existing) or its cluster
 * stack's (reuse). `clusterInput` is the referenced stack's `queueing` for reuse stacks.
 */
export function resolveQueueing(stack: string, mode: "create" | "reuse" | "existing", own: QueueingInput | undefined, cluster?: { stack: string; queueing?: QueueingInput }): ClusterQueueing {
  const defaults = queueingSchema.parse({});
  if (mode === "reuse") {
    const settings = cluster?.queueing ?? defaults;
    return { ...settings, ownerStack: cluster?.stack, installedHere: false };
  }
  const settings = own ?? defaults;
  return { ...settings, ownerStack: settings.install ? stack : undefined, installedHere: settings.install };
}
