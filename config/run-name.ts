/**
 * Content-addressed names of a run: `<experiment>-<hash of the run's spec>`.
 *
 * Why: with `pulumi.com/skipAwait`, @pulumi/kubernetes does not wait for a batch/v1 Job to be gone
 * when it deletes one (provider/pkg/metadata/overrides.go, DeletedCondition and
 * allowsSkipAwaitWithDelete, which lists batch/v1 Job among the "legacy types which support buggy
 * skipAwait behavior during delete"). The delete is a foreground cascade, so the old Job object
 * lives on until its pods have terminated. A replacement under the same name then fails with
 * AlreadyExists. A name derived from the spec makes that impossible: a changed run always has a
 * new name, and an unchanged one keeps its name (no replacement at all).
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
