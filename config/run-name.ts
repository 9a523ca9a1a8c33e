/**
 * Content-addressed names of a run: `<experiment>-<hash of the run's spec>`.
 *
 * Why: a changed run is a replacement, and a Job's spec is immutable. The old run is deleted
 * first (deleteBeforeReplace), and the provider waits for it to be gone (k8s/job.ts
 * AWAIT_ANNOTATIONS); a name derived from the spec still keeps the new object from ever meeting the
 * old one's name, should a delete not be awaited (a run last applied under `pulumi.com/skipAwait`,
 * whose delete @pulumi/kubernetes does not await for a batch/v1 Job:
 * provider/pkg/metadata/overrides.go, allowsSkipAwaitWithDelete), and an unchanged run keeps its
 * name (no replacement at all).
 *
 * The hash covers `spec`, the Kueue queue and the run's time limit: other labels and annotations
 * (metadata) update in place without a new run. The queue and max-exec-time labels are metadata
 * too, but Kueue's webhook refuses to change them on a workload that is not suspended (kueue
 * v0.19.2 pkg/controller/jobframework/validation.go, ValidateUpdateForQueueName: "must not update
 * queue name when job is unsuspend", and validateUpdateForMaxExecTime), so a new queue or budget
 * is a new run. The spec itself names the run (pod 0's DNS name, the checkpoint directory),
 * so it is hashed as built under the bare experiment name, then built again under the hashed name.
 */
import { createHash } from "crypto";

/** Hex digits of the hash: 24 bits tell one run of an experiment from the next. */
export const RUN_HASH_LENGTH = 6;

/** JSON with object keys sorted, so the hash does not depend on construction order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

export function specHash(spec: unknown): string {
  return createHash("sha256").update(canonicalJson(spec)).digest("hex").slice(0, RUN_HASH_LENGTH);
}

/** The Kueue labels its webhook refuses to change on a workload that is not suspended. */
export interface KueueRunLabels {
  readonly queue?: string;
  /** kueue.x-k8s.io/max-exec-time-seconds (plan/budget.ts): validateUpdateForMaxExecTime. */
  readonly maxExecSeconds?: number;
}

export function runName(experiment: string, spec: unknown, kueue: KueueRunLabels = {}): string {
  const { queue, maxExecSeconds } = kueue;
  if (queue === undefined && maxExecSeconds === undefined) return `${experiment}-${specHash(spec)}`;
  return `${experiment}-${specHash({ spec, queue, ...(maxExecSeconds !== undefined ? { maxExecSeconds } : {}) })}`;
}
