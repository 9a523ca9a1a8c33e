/**
 * Kubernetes objects the program registers, as YAML files `kubectl apply -f DIR` takes in order.
 * Helm releases are left out: they are applied by Helm, not as plain objects.
 */
import { stringify } from "yaml";
import type { RecordedResource } from "./mocks";

export interface Manifest {
  readonly file: string;
  readonly object: Record<string, unknown>;
  readonly yaml: string;
}

// Objects others depend on first, as `kubectl apply -f` reads a directory in file-name order.
const KIND_ORDER = [
  "Namespace",
  "CustomResourceDefinition",
  "PriorityClass",
  "StorageClass",
  "PersistentVolume",
  "ServiceAccount",
  "ClusterRole",
  "ClusterRoleBinding",
  "Role",
  "RoleBinding",
  "ConfigMap",
  "Secret",
  "PersistentVolumeClaim",
  "Service",
  "DaemonSet",
  "Deployment",
  "PodDisruptionBudget",
  // Kueue's queues before the runs submitted to them.
  "ResourceFlavor",
  "ClusterQueue",
  "LocalQueue",
  "Job",
  "JobSet",
];

export function isManifestResource(r: RecordedResource): boolean {
  return r.type.startsWith("kubernetes:") && !r.type.startsWith("kubernetes:helm.sh/") && typeof r.inputs.kind === "string" && typeof r.inputs.apiVersion === "string";
}

function rank(kind: string): number {
  const i = KIND_ORDER.indexOf(kind);
  return i === -1 ? KIND_ORDER.length : i;
}

export function manifestsFrom(resources: readonly RecordedResource[]): Manifest[] {
  return resources
    .filter(isManifestResource)
    .map((r) => r.inputs)
    .sort((a, b) => rank(String(a.kind)) - rank(String(b.kind)))
    .map((object, i) => {
      const meta = (object.metadata ?? {}) as { name?: string; namespace?: string };
      const name = [meta.namespace, meta.name ?? `unnamed-${i}`].filter(Boolean).join("_");
      const file = `${String(i).padStart(2, "0")}-${String(object.kind).toLowerCase()}-${name}.yaml`;
      return { file, object, yaml: stringify(object, { lineWidth: 0 }) };
    });
}
