/**
 * The training container's securityContext: no privilege escalation, the container runtime's
 * default seccomp profile, and of the runtime's default capabilities only those root needs to work
 * with files it does not own. Within Pod Security's `baseline` level, whose allowed additions
 * include all six (https://kubernetes.io/docs/concepts/security/pod-security-standards/).
 *
 * Why the container stays uid 0: the public PyTorch images run as root and their Python
 * environment (/opt/conda) belongs to root, so setup's `pip install` into the training interpreter
 * needs root; and the output directories the sources give (a hostPath the kubelet creates, the
 * root of an FSx file system) belong to root until someone prepares them.
 *
 * Why those capabilities stay: root without CAP_DAC_OVERRIDE cannot write where it is not the
 * owner, and the Mountpoint S3 CSI driver v2 mounts as uid 1000 with 0755 directories by default,
 * so an S3 output would refuse every save; a pvc or hostPath directory of another user the same.
 * CAP_CHOWN, CAP_FOWNER and CAP_FSETID let pip and tar keep the owners and modes they unpack;
 * CAP_SETUID and CAP_SETGID let apt drop to its `_apt` sandbox user. Everything else of the
 * runtime's default set is dropped: raw sockets (NET_RAW), device nodes (MKNOD), chroot, signals
 * to other users' processes (KILL), capability and file-capability changes, audit writes, low ports.
 *
 * EFA needs no exception: the EKS guide's EFA pod requests `vpc.amazonaws.com/efa` and huge pages
 * and sets no securityContext (awsdocs/amazon-eks-user-guide latest/ug/ml/device-management-efa.adoc),
 * so it runs with the runtime's default capabilities, which do not include CAP_IPC_LOCK
 * (containerd oci/spec.go defaultUnixCaps: CHOWN, DAC_OVERRIDE, FSETID, FOWNER, MKNOD, NET_RAW,
 * SETGID, SETUID, SETFCAP, SETPCAP, NET_BIND_SERVICE, SYS_CHROOT, KILL, AUDIT_WRITE). The ports
 * the pod listens on (29500, 29501) need no CAP_NET_BIND_SERVICE.
 */
import type { ISecurityContext } from "kubernetes-models/v1/SecurityContext";

/** The runtime defaults root keeps, for files of other owners and for apt's sandbox user. */
export const FILE_CAPABILITIES = ["CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "SETGID", "SETUID"] as const;

export function trainerSecurityContext(): ISecurityContext {
  return {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ["ALL"], add: [...FILE_CAPABILITIES] },
    seccompProfile: { type: "RuntimeDefault" },
  };
}
