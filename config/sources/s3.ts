/**
 * `type: s3`: a bucket (or a prefix of it) mounted with Mountpoint for Amazon S3, through a
 * statically provisioned PersistentVolume of its CSI driver
 * (https://github.com/awslabs/mountpoint-s3-csi-driver/blob/main/docs/CONFIGURATION.md) and a
 * claim bound to it by name. Each volume mounts with the pod's own credentials: the experiment
 * stack's role, which grants exactly its prefixes (`iam`); the driver's role has no bucket access.
 */
import { z } from "zod";
import { s3BucketName } from "../aws-validation";
import { show } from "../errors";
import { IamStatement, SourceUse, VolumeRole, statementId, volumeSourceKind } from "./kind";

export const S3_CSI_DRIVER = "s3.csi.aws.com";
/** Mountpoint ignores a PV's capacity, but Kubernetes requires one. */
export const S3_NOMINAL_CAPACITY = "1200Gi";
/**
 * The driver's service account: `s3-csi-driver-sa` in kube-system (chart values
 * node.serviceAccount.name, https://github.com/awslabs/mountpoint-s3-csi-driver, and the EKS
 * guide's mountpoint-for-s3-add-on page).
 */
export const S3_CSI_SERVICE_ACCOUNT = "s3-csi-driver-sa";

/**
 * Mountpoint's documented minimum
 * (https://github.com/awslabs/mountpoint-s3/blob/main/doc/CONFIGURATION.md#iam-permissions):
 * s3:ListBucket on the bucket, s3:GetObject on the objects, and for a writable mount
 * s3:PutObject, s3:AbortMultipartUpload and s3:DeleteObject (the output mounts with allow-delete).
 */
export const READ_ACTIONS = ["s3:GetObject"] as const;
export const WRITE_ACTIONS = ["s3:PutObject", "s3:AbortMultipartUpload", "s3:DeleteObject"] as const;

const schema = z.strictObject({
  type: z.literal("s3").meta({
    description:
      "Mountpoint for Amazon S3; EKS clusters only; the bucket must be in the stack's `aws:region` (Mountpoint is given that region, since pods cannot reach the instance metadata that would tell it); `prefix` ends with `/`",
  }),
  /** Checked against all of S3's naming rules in `apiRules`. */
  bucket: z.string().min(1).meta({ description: "the bucket's name" }),
  prefix: z
    .string()
    .regex(/^[^/].*\/$/, { message: "must end with '/' and not start with one" })
    .optional()
    .meta({ description: "key prefix to mount: ends with `/`, does not start with one", defaultText: "the whole bucket" }),
});
export type S3Source = z.output<typeof schema>;

/**
 * Mountpoint flags (as PV mountOptions, without the leading `--`).
 *
 * `region`: Mountpoint finds the bucket's region through the instance metadata service, which
 * our nodes keep from pods with an IMDS hop limit of 1 (components/aws/builders/launch-template.ts);
 * the Mountpoint CSI driver v2 runs Mountpoint in a pod, so without the option it cannot find the
 * region. The driver's docs give `region <region>` as a mount option, and note that IMDS region
 * detection needs a hop limit of 2 or more
 * (https://github.com/awslabs/mountpoint-s3-csi-driver/blob/main/docs/CONFIGURATION.md, "Configuring
 * the STS region"). The option is the bucket's region (Mountpoint's `--region`): the stack's region,
 * so a bucket must live in the stack's region (docs/configuration.md says so); a bucket elsewhere
 * fails to mount with a wrong-region error (mountpoint-s3-csi-driver issue #375).
 */
export function s3MountOptions(role: VolumeRole, prefix: string | undefined, region?: string): string[] {
  return [
    // The training container may run as any user; Mountpoint runs in its own pod.
    "allow-other",
    ...(region ? [`region ${region}`] : []),
    ...(prefix ? [`prefix ${prefix}`] : []),
    // Datasets: no writes at all. Output: checkpoints are rewritten and pruned.
    ...(role === "dataset" ? ["read-only"] : ["allow-delete", "allow-overwrite"]),
  ];
}

/**
 * The volume's grant: ListBucket narrowed to the prefix with the `s3:prefix` condition key
 * (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html), and the
 * object actions on the prefix.
 */
function statements(use: SourceUse<S3Source>, partition: string): IamStatement[] {
  const bucketArn = `arn:${partition}:s3:::${use.source.bucket}`;
  const prefix = use.source.prefix ?? "";
  return [
    {
      Sid: statementId(use.role, use.name, "list"),
      Effect: "Allow",
      Action: ["s3:ListBucket"],
      Resource: [bucketArn],
      // Without a prefix the whole bucket is mounted, so listing it all is the least needed.
      ...(prefix ? { Condition: { StringLike: { "s3:prefix": [prefix, `${prefix}*`] } } } : {}),
    },
    {
      Sid: statementId(use.role, use.name, "objects"),
      Effect: "Allow",
      Action: use.role === "output" ? [...READ_ACTIONS, ...WRITE_ACTIONS] : [...READ_ACTIONS],
      Resource: [`${bucketArn}/${prefix}*`],
    },
  ];
}

export const s3Source = volumeSourceKind({
  schema,
  needsEks: true,
  // Mountpoint does not rename files on general purpose buckets
  // (https://github.com/awslabs/mountpoint-s3/blob/main/doc/SEMANTICS.md).
  renames: false,
  grantsAwsAccess: "creates the IAM role its S3 volumes mount with",
  apiRules: (use) =>
    s3BucketName(use.source.bucket).map((p) => ({ path: `${use.path}.source.bucket`, message: `${p} (got ${show(use.source.bucket)}; S3 general purpose bucket naming rules)` })),
  persistentVolume: (use, ctx) => ({
    capacity: S3_NOMINAL_CAPACITY,
    // ReadOnlyMany makes the driver add --read-only on its own as well.
    accessModes: [use.role === "dataset" ? "ReadOnlyMany" : "ReadWriteMany"],
    mountOptions: s3MountOptions(use.role, use.source.prefix, ctx.region),
    // The handle must be unique in the cluster: the kubelet mounts one volume per handle.
    // authenticationSource pod: Mountpoint authenticates as the pod's ServiceAccount (EKS Pod
    // Identity, driver v2: awslabs/mountpoint-s3-csi-driver docs/CONFIGURATION.md "Pod-Level
    // Credentials", Pod Identity support in pull request #458), i.e. the experiment stack's own
    // role (components/aws/experiment-identity.ts), never the driver's.
    csi: { driver: S3_CSI_DRIVER, volumeHandle: ctx.volumeHandle, volumeAttributes: { bucketName: use.source.bucket, authenticationSource: "pod" } },
  }),
  iam: statements,
  addon: {
    name: "aws-mountpoint-s3-csi-driver",
    // v2.3.0-eksbuild.1: driver v2.3.0 (awslabs/mountpoint-s3-csi-driver tag, January 2026; chart
    // kubeVersion >= 1.31), the add-on build pinned by a public project with Pod Identity. v2 is
    // the first major with EKS Pod Identity support (see that repository's README).
    versions: { "1.32": "v2.3.0-eksbuild.1", "1.33": "v2.3.0-eksbuild.1", "1.34": "v2.3.0-eksbuild.1", "1.35": "v2.3.0-eksbuild.1" },
    driverRole: { serviceAccount: S3_CSI_SERVICE_ACCOUNT, description: "Mountpoint for S3 CSI driver; no bucket access (volumes mount with their pod's role)" },
  },
});
