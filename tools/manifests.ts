/**
 * Kubernetes objects the program registers, as YAML files `kubectl apply -f DIR` takes in order.
 * Helm releases are left out: they are applied by Helm, not as plain objects.
 */
import { stringify } from "yaml";
import { MASKED, RecordedResource } from "./mocks";

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
  // Who may connect, before any pod exists.
  "NetworkPolicy",
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
      const masked = withoutMaskedSecretData(object);
      return { file, object: masked.object, yaml: `${masked.comment}${stringify(masked.object, { lineWidth: 0 })}` };
    });
}

/**
 * A Secret whose values are Pulumi secrets is written without them (the offline plan never has
 * them, and a masked string is not a valid `data` map): the file says how to create it instead.
 */
function withoutMaskedSecretData(object: Record<string, unknown>): { object: Record<string, unknown>; comment: string } {
  if (object.kind !== "Secret" || (object.stringData !== MASKED && object.data !== MASKED)) return { object, comment: "" };
  const { stringData: _s, data: _d, ...rest } = object;
  const meta = (object.metadata ?? {}) as { name?: string; namespace?: string };
  const comment =
    "# The values are Pulumi secrets and are not written here. Outside `pulumi up`, create the Secret with\n" +
    `# kubectl create secret generic ${meta.name ?? "NAME"} -n ${meta.namespace ?? "default"} --from-literal=NAME=VALUE ...\n`;
  return { object: rest, comment };
}
