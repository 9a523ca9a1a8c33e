/** GPUs a pod spec asks for. Pure. */
import type { V1Container, V1PodSpec } from "@kubernetes/client-node";
import { GPU_RESOURCE } from "./types";

/** The largest of its init containers, or the sum of its containers, whichever is more. */
export function gpuRequest(spec: V1PodSpec | undefined): number {
  if (!spec) return 0;
  const of = (c: V1Container) => {
    // An extended resource's limit is also its request (requests may be omitted).
    const value = c.resources?.requests?.[GPU_RESOURCE] ?? c.resources?.limits?.[GPU_RESOURCE];
    const n = Number(value ?? 0);
    return Number.isFinite(n) ? n : 0;
  };
  const containers = (spec.containers ?? []).reduce((sum, c) => sum + of(c), 0);
  const init = Math.max(0, ...(spec.initContainers ?? []).map(of));
  return Math.max(containers, init);
}

export function toDate(v: Date | string | undefined | null): Date | undefined {
  if (v === undefined || v === null || v === "") return undefined;
  const d = v instanceof Date ? v : new Date(v);
  return Number.isNaN(d.getTime()) ? undefined : d;
}
