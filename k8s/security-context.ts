/**
 * The training container's securityContext: no privilege escalation, no Linux capabilities, the
 * container runtime's default seccomp profile. That is Pod Security's `restricted` level
 * (https://kubernetes.io/docs/concepts/security/pod-security-standards/: allowPrivilegeEscalation
 * false, capabilities drop ALL, seccompProfile RuntimeDefault) but for `runAsNonRoot`.
 *
 * Why the container stays uid 0: the public PyTorch images run as root and their Python
 * environment (/opt/conda) belongs to root, so setup's `pip install` into the training interpreter
 * needs root; and the output directories the sources give (a hostPath the kubelet creates, the
 * root of an FSx file system) belong to root until someone prepares them. Root without
 * capabilities still cannot override file permissions (CAP_DAC_OVERRIDE), change owners, load
 * modules or trace processes: a directory it writes must be root's or writable by it.
 *
 * EFA needs no exception: the EKS guide's EFA pod requests `vpc.amazonaws.com/efa` and huge pages
 * and sets no securityContext (awsdocs/amazon-eks-user-guide latest/ug/ml/device-management-efa.adoc),
 * so it runs with the runtime's default capabilities, which do not include CAP_IPC_LOCK
 * (containerd oci/spec.go defaultUnixCaps: CHOWN, DAC_OVERRIDE, FSETID, FOWNER, MKNOD, NET_RAW,
 * SETGID, SETUID, SETFCAP, SETPCAP, NET_BIND_SERVICE, SYS_CHROOT, KILL, AUDIT_WRITE). The ports
 * the pod listens on (29500, 29501) need no CAP_NET_BIND_SERVICE.
 */
import type { ISecurityContext } from "kubernetes-models/v1/SecurityContext";

export function trainerSecurityContext(): ISecurityContext {
  return {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
  };
}
