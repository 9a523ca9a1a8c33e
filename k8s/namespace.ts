/**
 * The namespace of an experiment stack and what it holds besides the runs: its ServiceAccount
 * (the identity its pods mount S3 with, components/aws/experiment-identity.ts), its LocalQueue on
 * the cluster's ClusterQueue, and the network policies that keep other namespaces out. One per
 * stack (config/names.ts stackNamespace): a shared cluster keeps each stack's Secrets, claims,
 * queue and runs apart, the way Kubeflow profiles and HyperPod task governance give each team a
 * namespace and a queue (https://docs.aws.amazon.com/eks/latest/best-practices/tenant-isolation.html).
 */
import type { INamespace } from "kubernetes-models/v1/Namespace";
import type { IServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import type { INetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import type { IRoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding";
import { PART_OF, STACK_LABEL, labelValue } from "./labels";
import { LocalQueue, buildLocalQueue } from "./local-queue";
import { GpuHealthAccess, buildGpuHealthAccess } from "./gpu-health";

/**
 * Pod Security admission level the namespace enforces
 * (https://kubernetes.io/docs/concepts/security/pod-security-admission/, label
 * `pod-security.kubernetes.io/enforce`). `baseline`: it refuses privileged pods, host namespaces,
 * hostPath volumes and capabilities added beyond the default set
 * (https://kubernetes.io/docs/concepts/security/pod-security-standards/). Not `restricted`: the
 * training container meets it but for `runAsNonRoot`, since it stays uid 0 for setup's `pip
 * install` and root-owned outputs (k8s/security-context.ts), and restricted refuses that. An
 * experiment with a `hostPath` volume (config/sources/host-path.ts) cannot run under baseline at
 * all: its namespace is `privileged`, and the plan says so (config/sources/host-path.ts).
 */
export type PodSecurityLevel = "baseline" | "privileged";
export function podSecurityLevel(hostPathVolumes: boolean): PodSecurityLevel {
  return hostPathVolumes ? "privileged" : "baseline";
}
export const POD_SECURITY_ENFORCE_LABEL = "pod-security.kubernetes.io/enforce";
/** The Pod Security Standards version the level is read at: the latest of the cluster's. */
export const POD_SECURITY_VERSION_LABEL = "pod-security.kubernetes.io/enforce-version";

/** The ServiceAccount of the experiment's pods: one per namespace, so one identity per stack. */
export const EXPERIMENT_SERVICE_ACCOUNT = "training";

/**
 * kube-dns: the label and namespace CoreDNS runs with on EKS (and kubeadm clusters). An egress
 * policy must allow it explicitly; this exact peer (namespace kube-system, pods k8s-app=kube-dns,
 * UDP and TCP 53) is the one vpc-cni's maintainers confirm works with their agent, whose controller
 * also puts the Service's ClusterIP into the policy (aws/aws-network-policy-agent#230; the ClusterIP:
 * aws/amazon-network-policy-controller-k8s#222).
 */
const KUBE_DNS = { namespace: "kube-system", labels: { "k8s-app": "kube-dns" } } as const;

/**
 * The EKS Pod Identity agent, which hands a pod the credentials of its Pod Identity association
 * (the experiment's S3 role) on 169.254.170.23 port 80
 * (https://docs.aws.amazon.com/eks/latest/userguide/pod-id-how-it-works.html): an egress allow-list
 * must keep it, or the training code's own S3 calls get no credentials.
 */
const POD_IDENTITY_AGENT = { cidr: "169.254.170.23/32", port: 80 } as const;

/**
 * The Kubernetes group of a namespace's `cluster.users` (their access entries carry it:
 * components/aws/cluster.ts). AmazonEKSEditPolicy is Kubernetes' `edit`, which knows nothing of
 * Kueue's LocalQueues and Workloads or of JobSets: the group is bound in the namespace to Kueue's
 * batch-user ClusterRole, which aggregates the Job and JobSet editor and the LocalQueue and Workload
 * viewer roles (kueue v0.19.2 charts/kueue/templates/rbac/batch_user_role.yaml, named
 * `<release fullname>-batch-user-role`: `kueue-batch-user-role` for the release this program
 * installs, k8s/kueue-release.ts KUEUE_RELEASE). No name starts with `system:`, which EKS reserves.
 */
export function usersGroup(namespace: string): string {
  return `gtc-users:${namespace}`;
}
export const KUEUE_BATCH_USER_ROLE = "kueue-batch-user-role";

export interface NamespaceInput {
  readonly namespace: string;
  readonly stack: string;
  /** The LocalQueue's name and its ClusterQueue; none: the stack submits to no queue. */
  readonly queue?: { readonly name: string; readonly clusterQueue: string };
  /** `experiment.egress.allow`: CIDRs the pods may reach (with DNS); undefined: egress open. */
  readonly egressAllow?: readonly string[];
  readonly podSecurity: PodSecurityLevel;
  /** experiment.gpuHealthCheck: the service account may label a sick GPU's node (k8s/gpu-health.ts). */
  readonly gpuHealthCheck: boolean;
}

export interface NamespaceObjects {
  readonly namespace: INamespace;
  /** `training`: every pod of the stack runs as it. */
  readonly serviceAccount: IServiceAccount;
  readonly localQueue?: LocalQueue;
  /** Ingress only from the namespace's own pods. */
  readonly ingressPolicy: INetworkPolicy;
  /** Egress only to kube-dns and `egressAllow`, when the experiment limits egress. */
  readonly egressPolicy?: INetworkPolicy;
  /** `cluster.users` of this namespace may submit and read Kueue workloads and JobSets. */
  readonly usersRoleBinding: IRoleBinding;
  /** The service account's one right, labelling a sick GPU's node, fenced by an admission policy. */
  readonly gpuHealthAccess?: GpuHealthAccess;
}

function namespaceLabels(stack: string, component: string): Record<string, string> {
  return { "app.kubernetes.io/part-of": PART_OF, "app.kubernetes.io/component": component, "app.kubernetes.io/managed-by": "pulumi", [STACK_LABEL]: labelValue(stack) };
}

export function buildNamespaceObjects(input: NamespaceInput): NamespaceObjects {
  const { namespace, stack } = input;
  const meta = (name: string, component: string) => ({ name, namespace, labels: namespaceLabels(stack, component) });
  return {
    namespace: {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: {
        name: namespace,
        labels: { ...namespaceLabels(stack, "namespace"), [POD_SECURITY_ENFORCE_LABEL]: input.podSecurity, [POD_SECURITY_VERSION_LABEL]: "latest" },
      },
    },
    serviceAccount: {
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: meta(EXPERIMENT_SERVICE_ACCOUNT, "identity"),
      // No token by default: only the GPU health check calls the API (to label a sick GPU's node,
      // k8s/gpu-health.ts), and its pods ask for the token themselves (k8s/job.ts). The S3 driver
      // still gets this account's token for Pod Identity: the kubelet hands it to the driver through
      // its CSIDriver's tokenRequests (audience pods.eks.amazonaws.com; awslabs/mountpoint-s3-csi-driver
      // pull request #458, charts/aws-mountpoint-s3-csi-driver/templates/csidriver.yaml).
      automountServiceAccountToken: false,
    },
    localQueue: input.queue && buildLocalQueue({ name: input.queue.name, namespace, clusterQueue: input.queue.clusterQueue }),
    ingressPolicy: {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: meta("ingress-from-own-namespace", "isolation"),
      // Every pod of the namespace; ingress only from pods of the same namespace. What else a
      // training pod could need to accept does not come from a pod: the kubelet's probes come from
      // the node, which vpc-cni's network policy agent always allows
      // (https://github.com/aws/aws-network-policy-agent/pull/65; Kubernetes: "Pods cannot block
      // access from their resident node"), and Kueue's and JobSet's webhooks are called by the API
      // server in their own namespaces, never by the training pods.
      spec: { podSelector: {}, policyTypes: ["Ingress"], ingress: [{ from: [{ podSelector: {} }] }] },
    },
    egressPolicy: input.egressAllow && {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: meta("egress-allow-list", "isolation"),
      spec: {
        podSelector: {},
        policyTypes: ["Egress"],
        egress: [
          // The namespace's own pods (rendezvous, NCCL between nodes) and DNS.
          { to: [{ podSelector: {} }] },
          {
            to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": KUBE_DNS.namespace } }, podSelector: { matchLabels: { ...KUBE_DNS.labels } } }],
            ports: [
              { protocol: "UDP", port: 53 },
              { protocol: "TCP", port: 53 },
            ],
          },
          { to: [{ ipBlock: { cidr: POD_IDENTITY_AGENT.cidr } }], ports: [{ protocol: "TCP", port: POD_IDENTITY_AGENT.port }] },
          ...(input.egressAllow.length > 0 ? [{ to: input.egressAllow.map((cidr) => ({ ipBlock: { cidr } })) }] : []),
        ],
      },
    },
    usersRoleBinding: {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: meta("users-kueue-batch", "access"),
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: KUEUE_BATCH_USER_ROLE },
      subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: usersGroup(namespace) }],
    },
    gpuHealthAccess: input.gpuHealthCheck ? buildGpuHealthAccess({ namespace, serviceAccount: EXPERIMENT_SERVICE_ACCOUNT, labels: namespaceLabels(stack, "gpu-health") }) : undefined,
  };
}
