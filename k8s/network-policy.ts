/**
 * Who may connect to an experiment's pods: only the pods of the same experiment of the same stack.
 *
 * torchrun's rendezvous (the c10d TCPStore on pod 0) and the workers' process groups accept any
 * connection, and PyTorch's security policy says that whoever reaches them can run code in the
 * workers (https://github.com/pytorch/pytorch/blob/main/SECURITY.md, "Using distributed features").
 * On a shared cluster, a pod of another experiment must not reach them. The pods need no other
 * ingress: they serve nothing, and the kubelet runs no probes against them. Egress stays open
 * (datasets, pip, W&B). A NetworkPolicy is enforced only where the CNI enforces it: on EKS the
 * vpc-cni add-on with `enableNetworkPolicy` (components/aws/cluster.ts), elsewhere the cluster's own
 * CNI (docs/training-job.md, "Network isolation").
 * https://kubernetes.io/docs/concepts/services-networking/network-policies/
 */
import type { INetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import { EXPERIMENT_LABEL, STACK_LABEL, experimentLabels, labelValue } from "./labels";

export function buildNetworkPolicy(input: { readonly name: string; readonly namespace: string; readonly experiment: string; readonly stack: string }): INetworkPolicy {
  const own = { [EXPERIMENT_LABEL]: input.experiment, [STACK_LABEL]: labelValue(input.stack) };
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name: input.name, namespace: input.namespace, labels: experimentLabels(input.experiment, input.stack, "isolation") },
    spec: {
      podSelector: { matchLabels: own },
      policyTypes: ["Ingress"],
      ingress: [{ from: [{ podSelector: { matchLabels: own } }] }],
    },
  };
}
