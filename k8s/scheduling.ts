/**
 * Where GPU pods may run, in one place: the toleration of our GPU taint and the node affinity on
 * the label every GPU node carries. The matchers below follow the scheduler's semantics
 * (https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#node-affinity,
 * https://kubernetes.io/docs/concepts/scheduling-eviction/taint-and-toleration/) so tests and the
 * plan can check that each pool's nodes are selected, and that CPU nodes are not.
 */
import type { IAffinity } from "kubernetes-models/v1/Affinity";
import type { INodeSelectorRequirement } from "kubernetes-models/v1/NodeSelectorRequirement";
import type { IToleration } from "kubernetes-models/v1/Toleration";
import { GPU_PRESENT_LABEL, GPU_TAINT } from "../config/names";

/**
 * Tolerates the GPU taint whatever its value: our nodes carry `true`, but GPU nodes of an
 * existing cluster are often tainted `nvidia.com/gpu=present` or with no value.
 */
export function gpuToleration(): IToleration {
  return { key: GPU_TAINT.key, operator: "Exists", effect: GPU_TAINT.effect };
}

/** Required affinity to nodes labelled `nvidia.com/gpu.present=true`, and to no others. */
export function gpuNodeAffinity(): IAffinity {
  return {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [{ matchExpressions: [{ key: GPU_PRESENT_LABEL, operator: "In", values: ["true"] }] }],
      },
    },
  };
}

function requirementHolds(r: INodeSelectorRequirement, labels: Readonly<Record<string, string>>): boolean {
  const value = labels[r.key];
  switch (r.operator) {
    case "In":
      return value !== undefined && (r.values ?? []).includes(value);
    case "NotIn":
      return value === undefined || !(r.values ?? []).includes(value);
    case "Exists":
      return value !== undefined;
    case "DoesNotExist":
      return value === undefined;
    case "Gt":
    case "Lt": {
      if (value === undefined || !/^-?\d+$/.test(value)) return false;
      const bound = Number((r.values ?? [])[0]);
      return r.operator === "Gt" ? Number(value) > bound : Number(value) < bound;
    }
    default:
      return false;
  }
}

/** Whether a node with these labels satisfies the affinity's required node terms (terms are ORed). */
export function nodeMatchesAffinity(affinity: IAffinity | undefined, labels: Readonly<Record<string, string>>): boolean {
  const terms = affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (!terms) return true;
  // An empty term matches no node; matchFields (node name) is not used by this project.
  return terms.some((t) => {
    const expressions = t.matchExpressions ?? [];
    return expressions.length > 0 && expressions.every((r) => requirementHolds(r, labels));
  });
}

/** Whether a nodeSelector selects a node with these labels. */
export function nodeMatchesSelector(selector: Readonly<Record<string, string>> | undefined, labels: Readonly<Record<string, string>>): boolean {
  return Object.entries(selector ?? {}).every(([k, v]) => labels[k] === v);
}

/**
 * Whether Kueue can assign a ResourceFlavor to a pod with this nodeSelector: only the keys the
 * flavor's nodeLabels define are compared, others (a pinned kubernetes.io/hostname) are left to the
 * scheduler (kueue v0.19.2 pkg/scheduler/flavorassigner/flavorassigner.go flavorSelector).
 */
export function flavorAdmitsSelector(selector: Readonly<Record<string, string>> | undefined, flavorLabels: Readonly<Record<string, string>>): boolean {
  return Object.entries(selector ?? {}).every(([k, v]) => !(k in flavorLabels) || flavorLabels[k] === v);
}

/** Whether the tolerations let a pod schedule onto a node with this taint. */
export function tolerates(tolerations: readonly IToleration[] | undefined, taint: { key: string; value?: string; effect: string }): boolean {
  return (tolerations ?? []).some((t) => {
    if (t.effect && t.effect !== taint.effect) return false;
    if (t.operator === "Exists") return t.key === undefined || t.key === "" || t.key === taint.key;
    return t.key === taint.key && (t.value ?? "") === (taint.value ?? "");
  });
}
