/**
 * What the GPU health check may do to the cluster: label its own node as unhealthy, and nothing else.
 *
 * A pod whose check finds a sick GPU (images/launcher/gpu_health.py) labels its node with a JSON
 * merge patch, so the replacement pod, whose node affinity requires the label absent (k8s/job.ts),
 * lands elsewhere. RBAC cannot say "only this label": a ClusterRole grants `patch` on nodes, and a
 * ValidatingAdmissionPolicy (admissionregistration.k8s.io/v1, GA in Kubernetes 1.30) refuses any
 * update by the experiment's service account that changes more than that label and its annotation
 * of the node its pod runs on: the node's spec (taints, unschedulable), its other labels and
 * annotations, its owner references (which would let the garbage collector delete the node) and
 * finalizers stay as they were, and any other node is refused. The pod's node comes from the
 * token itself: a pod-bound service account token carries it in the user's extra
 * `authentication.kubernetes.io/node-name` (k8s.io/apiserver pkg/authentication/serviceaccount
 * NodeNameKey); where a cluster does not set it, every update is refused and the launcher says
 * the node was not marked.
 * NodeRestriction does not apply: it limits kubelets only (plugin/pkg/admission/noderestriction,
 * "Our job is just to restrict nodes"). CEL iterates a map's keys with `all`; `oldObject` is the
 * node before the update (kubernetes website validating-admission-policy.md; kubevirt's
 * shadow-node design fences node labels the same way).
 * The identity is the namespace's one service account, which every training pod of the stack runs
 * as (k8s/namespace.ts); the cluster-scoped objects are named after the namespace, so stacks sharing
 * a cluster never claim one name.
 */
import type { IClusterRole } from "kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole";
import type { IClusterRoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding";
import type { IValidatingAdmissionPolicy } from "kubernetes-models/admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy";
import type { IValidatingAdmissionPolicyBinding } from "kubernetes-models/admissionregistration.k8s.io/v1/ValidatingAdmissionPolicyBinding";
import { GPU_UNHEALTHY_LABEL } from "../config/launcher-exit-codes";

export interface GpuHealthAccess {
  readonly clusterRole: IClusterRole;
  readonly clusterRoleBinding: IClusterRoleBinding;
  readonly policy: IValidatingAdmissionPolicy;
  readonly policyBinding: IValidatingAdmissionPolicyBinding;
}

export interface GpuHealthAccessInput {
  readonly namespace: string;
  /** The namespace's service account, which the training pods run as (k8s/namespace.ts). */
  readonly serviceAccount: string;
  readonly labels: Readonly<Record<string, string>>;
}


/** The node of the pod a service account token was issued to (k8s.io/apiserver serviceaccount NodeNameKey). */
const NODE_NAME_EXTRA = "authentication.kubernetes.io/node-name";
const LABELS = "variables.newLabels";
const OLD_LABELS = "variables.oldLabels";
const ANNOTATIONS = "variables.newAnnotations";
const OLD_ANNOTATIONS = "variables.oldAnnotations";

/** Every key of `after` but `key` is in `before` with the same value, and no key of `before` but `key` is gone. */
function onlyKeyChanges(after: string, before: string, key: string): string[] {
  return [
    `${after}.all(k, k == '${key}' || (k in ${before} && ${before}[k] == ${after}[k]))`,
    `${before}.all(k, k == '${key}' || k in ${after})`,
  ];
}

export function buildGpuHealthAccess(input: GpuHealthAccessInput): GpuHealthAccess {
  // The namespace is the stack's own (config/names.ts stackNamespace), so the name is unique in the cluster.
  const name = `gpu-training-clusters-gpu-health-${input.namespace}`;
  const labels = { ...input.labels };
  const username = `system:serviceaccount:${input.namespace}:${input.serviceAccount}`;
  return {
    clusterRole: {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: { name, labels },
      rules: [{ apiGroups: [""], resources: ["nodes"], verbs: ["patch"] }],
    },
    clusterRoleBinding: {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name, labels },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name },
      subjects: [{ kind: "ServiceAccount", name: input.serviceAccount, namespace: input.namespace }],
    },
    policy: {
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "ValidatingAdmissionPolicy",
      metadata: { name, labels },
      spec: {
        failurePolicy: "Fail",
        matchConstraints: { resourceRules: [{ apiGroups: [""], apiVersions: ["v1"], operations: ["UPDATE"], resources: ["nodes"] }] },
        matchConditions: [{ name: "trainer-service-account", expression: `request.userInfo.username == '${username}'` }],
        variables: [
          { name: "newLabels", expression: "has(object.metadata.labels) ? object.metadata.labels : {}" },
          { name: "oldLabels", expression: "has(oldObject.metadata.labels) ? oldObject.metadata.labels : {}" },
          { name: "newAnnotations", expression: "has(object.metadata.annotations) ? object.metadata.annotations : {}" },
          { name: "oldAnnotations", expression: "has(oldObject.metadata.annotations) ? oldObject.metadata.annotations : {}" },
        ],
        validations: [
          {
            expression: `'${NODE_NAME_EXTRA}' in request.userInfo.extra && object.metadata.name in request.userInfo.extra['${NODE_NAME_EXTRA}']`,
            message: "the GPU health check may label only the node its pod runs on",
          },
          { expression: "object.spec == oldObject.spec", message: "the GPU health check may not change a node's spec" },
          ...["ownerReferences", "finalizers"].map((field) => ({
            expression: `(has(object.metadata.${field}) ? object.metadata.${field} : []) == (has(oldObject.metadata.${field}) ? oldObject.metadata.${field} : [])`,
            message: `the GPU health check may not change a node's ${field}`,
          })),
          {
            // Set, never cleared or changed: a person lifts the quarantine, not a pod.
            expression: `'${GPU_UNHEALTHY_LABEL}' in ${LABELS} ? ${LABELS}['${GPU_UNHEALTHY_LABEL}'] == 'true' : !('${GPU_UNHEALTHY_LABEL}' in ${OLD_LABELS})`,
            message: `the GPU health check may only set ${GPU_UNHEALTHY_LABEL}=true`,
          },
          ...onlyKeyChanges(LABELS, OLD_LABELS, GPU_UNHEALTHY_LABEL).map((expression) => ({ expression, message: `the GPU health check may change only the node label ${GPU_UNHEALTHY_LABEL}` })),
          ...onlyKeyChanges(ANNOTATIONS, OLD_ANNOTATIONS, GPU_UNHEALTHY_LABEL).map((expression) => ({ expression, message: `the GPU health check may change only the node annotation ${GPU_UNHEALTHY_LABEL}` })),
        ],
      },
    },
    policyBinding: {
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "ValidatingAdmissionPolicyBinding",
      metadata: { name, labels },
      spec: { policyName: name, validationActions: ["Deny"] },
    },
  };
}
