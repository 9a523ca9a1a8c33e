/**
 * The stack's namespace and what it holds (k8s/namespace.ts): its ServiceAccount and, with the GPU
 * health check, that account's right to label a sick GPU's node; its network policies and its LocalQueue. Named after the stack, not the experiment: a renamed experiment
 * keeps them (a second namespace of the same name would be refused).
 *
 * The namespace outlives `pulumi destroy` (retainOnDelete): deleting a namespace deletes
 * everything in it, the experiment's claims and a `pvc` source's claim included, whatever
 * retainOnDelete says of them (docs/training-job.md, "Namespaces").
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { NamespaceObjects } from "../k8s/namespace";
import { resourceArgs } from "./k8s-args";

export interface StackNamespaceArgs {
  readonly objects: NamespaceObjects;
  readonly provider: k8s.Provider;
  /** What the LocalQueue needs first: Kueue's CRDs and the ClusterQueue, when this stack installs them. */
  readonly queue?: readonly pulumi.Resource[];
}

export class StackNamespace extends pulumi.ComponentResource {
  readonly namespace: k8s.core.v1.Namespace;
  /** What a run waits for: before any of its pods starts, only the namespace's own pods may connect to it. */
  readonly ready: pulumi.Resource[];

  constructor(name: string, args: StackNamespaceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gpu-training-clusters:k8s:StackNamespace", name, {}, opts);
    const o = args.objects;
    const base = { parent: this, provider: args.provider };
    this.namespace = new k8s.core.v1.Namespace(`${name}-namespace`, resourceArgs<k8s.core.v1.NamespaceArgs>(o.namespace), { ...base, retainOnDelete: true });
    const inside = { ...base, dependsOn: [this.namespace] };
    this.ready = [new k8s.networking.v1.NetworkPolicy(`${name}-ingress`, resourceArgs<k8s.networking.v1.NetworkPolicyArgs>(o.ingressPolicy), inside)];
    this.ready.push(new k8s.core.v1.ServiceAccount(`${name}-service-account`, resourceArgs<k8s.core.v1.ServiceAccountArgs>(o.serviceAccount), inside));
    this.ready.push(new k8s.rbac.v1.RoleBinding(`${name}-users-kueue-batch`, resourceArgs<k8s.rbac.v1.RoleBindingArgs>(o.usersRoleBinding), inside));
    if (o.egressPolicy) this.ready.push(new k8s.networking.v1.NetworkPolicy(`${name}-egress`, resourceArgs<k8s.networking.v1.NetworkPolicyArgs>(o.egressPolicy), inside));
    this.ready.push(...gpuHealthResources(name, o, base));
    if (o.localQueue) {
      const custom = resourceArgs<k8s.apiextensions.CustomResourceArgs>(o.localQueue);
      this.ready.push(new k8s.apiextensions.CustomResource(`${name}-local-queue`, custom, { ...base, dependsOn: [this.namespace, ...(args.queue ?? [])] }));
    }
    this.registerOutputs({ namespace: this.namespace.metadata.name });
  }
}

/**
 * The service account's one right, labelling a sick GPU's node, fenced by an admission policy
 * (k8s/gpu-health.ts). The policy is created before the right it fences. Cluster-scoped, named after
 * the namespace, so they are the stack's: a renamed experiment keeps them.
 */
function gpuHealthResources(name: string, objects: NamespaceObjects, opts: pulumi.CustomResourceOptions): pulumi.Resource[] {
  const access = objects.gpuHealthAccess;
  if (!access) return [];
  const policy = new k8s.admissionregistration.v1.ValidatingAdmissionPolicy(`${name}-gpu-health`, resourceArgs<k8s.admissionregistration.v1.ValidatingAdmissionPolicyArgs>(access.policy), opts);
  const binding = new k8s.admissionregistration.v1.ValidatingAdmissionPolicyBinding(`${name}-gpu-health`, resourceArgs<k8s.admissionregistration.v1.ValidatingAdmissionPolicyBindingArgs>(access.policyBinding), { ...opts, dependsOn: [policy] });
  const role = new k8s.rbac.v1.ClusterRole(`${name}-gpu-health`, resourceArgs<k8s.rbac.v1.ClusterRoleArgs>(access.clusterRole), { ...opts, dependsOn: [binding] });
  const roleBinding = new k8s.rbac.v1.ClusterRoleBinding(`${name}-gpu-health`, resourceArgs<k8s.rbac.v1.ClusterRoleBindingArgs>(access.clusterRoleBinding), { ...opts, dependsOn: [role] });
  return [policy, binding, role, roleBinding];
}
