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
