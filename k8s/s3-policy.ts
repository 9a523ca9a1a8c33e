/**
 * The IAM side of the experiment's S3 volumes: an inline policy for the Mountpoint for Amazon S3
 * CSI driver's role, granting exactly the experiment's prefixes. The cluster's role carries no
 * bucket access of its own, so a stack can read only what its stack file names.
 *
 * Actions follow Mountpoint's documented minimum
 * (https://github.com/awslabs/mountpoint-s3/blob/main/doc/CONFIGURATION.md#iam-permissions):
 * s3:ListBucket on the bucket, s3:GetObject on the objects, and for a writable mount
 * s3:PutObject, s3:AbortMultipartUpload and s3:DeleteObject (the output mounts with allow-delete).
 * ListBucket is narrowed to the prefix with the `s3:prefix` condition key
 * (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html).
 */
import type { ExperimentVolume } from "./volumes";

export const READ_ACTIONS = ["s3:GetObject"] as const;
export const WRITE_ACTIONS = ["s3:PutObject", "s3:AbortMultipartUpload", "s3:DeleteObject"] as const;

export interface PolicyStatement {
  readonly Sid: string;
  readonly Effect: "Allow";
  readonly Action: readonly string[];
  readonly Resource: readonly string[];
  readonly Condition?: Record<string, Record<string, readonly string[]>>;
}

export interface PolicyDocument {
  readonly Version: "2012-10-17";
  readonly Statement: readonly PolicyStatement[];
}

/** Sid: alphanumeric only. */
function sid(...parts: string[]): string {
  return parts.map((p) => p.replace(/[^A-Za-z0-9]/g, "").replace(/^./, (c) => c.toUpperCase())).join("");
}

/**
 * The policy for the experiment's S3 volumes, or undefined when it has none.
 * @param partition the ARN partition: `aws`, or `aws-cn` / `aws-us-gov` in those regions.
 */
export function s3AccessPolicy(volumes: readonly ExperimentVolume[], partition = "aws"): PolicyDocument | undefined {
  const statements: PolicyStatement[] = [];
  for (const v of volumes) {
    const source = v.volume.source;
    if (source.type !== "s3") continue;
    const bucketArn = `arn:${partition}:s3:::${source.bucket}`;
    const prefix = source.prefix ?? "";
    statements.push({
      Sid: sid(v.role, v.volume.name, "list"),
      Effect: "Allow",
      Action: ["s3:ListBucket"],
      Resource: [bucketArn],
      // Without a prefix the whole bucket is mounted, so listing it all is the least needed.
      ...(prefix ? { Condition: { StringLike: { "s3:prefix": [prefix, `${prefix}*`] } } } : {}),
    });
    statements.push({
      Sid: sid(v.role, v.volume.name, "objects"),
      Effect: "Allow",
      Action: v.role === "output" ? [...READ_ACTIONS, ...WRITE_ACTIONS] : [...READ_ACTIONS],
      Resource: [`${bucketArn}/${prefix}*`],
    });
  }
  return statements.length > 0 ? { Version: "2012-10-17", Statement: statements } : undefined;
}
