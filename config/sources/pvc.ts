/**
 * `type: pvc`: a PersistentVolumeClaim that already exists in the run's namespace, referenced and
 * never created, so any storage the cluster offers (EBS, EFS, NFS, Ceph) can hold data or outputs.
 */
import { z } from "zod";
import { show } from "../errors";
import { dns1123Subdomain } from "../k8s-validation";
import { volumeSourceKind } from "./kind";

const schema = z.strictObject({
  type: z.literal("pvc").meta({ description: "an existing PersistentVolumeClaim" }),
  claimName: z.string().min(1).max(253).meta({ description: "the PersistentVolumeClaim's name" }),
});

export const pvcSource = volumeSourceKind({
  schema,
  needsEks: false,
  // A claim needs something to provision or bind it. A cluster this stack creates has no storage
  // driver: the EBS CSI driver is an add-on EKS does not install by default, and the in-tree EBS
  // provisioner of the default gp2 StorageClass is migrated to it
  // (https://docs.aws.amazon.com/eks/latest/userguide/ebs-csi.html). The Job's pods would wait
  // Pending for a claim nothing can create. An EBS volume is also ReadWriteOnce: one node only.
  newCluster:
    "names an existing PersistentVolumeClaim, but this stack creates its cluster and nothing in it creates or backs the claim (no EBS CSI driver, no StorageClass), so every pod would stay Pending. " +
    "On a new cluster use fsx (Lustre, shared by every node) or s3 (no renames); or create the cluster in a cluster-only stack, add storage there " +
    "(the aws-ebs-csi-driver add-on and a gp3 StorageClass for one node, ReadWriteOnce; EFS for several, ReadWriteMany), create the claim, and run this experiment with cluster: { mode: reuse, stack: <that stack> }",
  renames: true,
  apiRules: (use) =>
    dns1123Subdomain(use.source.claimName).map((p) => ({ path: `${use.path}.source.claimName`, message: `${p} (got ${show(use.source.claimName)}; a PersistentVolumeClaim name)` })),
  planWarnings: (uses, run) =>
    run.nodes < 2
      ? []
      : // Pods on different nodes can share a claim only with access mode ReadWriteMany (or
        // ReadOnlyMany for reading); https://kubernetes.io/docs/concepts/storage/persistent-volumes/#access-modes
        uses.map(
          (use) =>
            `${use.path}.source.claimName: claim ${JSON.stringify(use.source.claimName)} is mounted by ${run.nodes} pods on different nodes: it must be ReadWriteMany${use.role === "dataset" ? " or ReadOnlyMany" : ""}, which the plan cannot see (a ReadWriteOnce claim leaves all pods but one Pending)`,
        ),
  podVolume: (use) => ({ persistentVolumeClaim: { claimName: use.source.claimName, readOnly: use.role === "dataset" } }),
});
