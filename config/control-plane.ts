/**
 * The control plane's logs and the key of its Secrets: what `cluster.controlPlaneLogs` and
 * `cluster.secretsKmsKeyArn` may say.
 */

/**
 * The EKS control-plane log types turned on: `audit` (who did what through the API, Secrets reads
 * included) and `authenticator` (which IAM identity each request came as). EKS writes them to the
 * log group `/aws/eks/<cluster>/cluster` (https://docs.aws.amazon.com/eks/latest/userguide/control-plane-logs.html),
 * which the program creates first so that it carries the retention below; EKS would otherwise
 * create it with none (events kept forever).
 */
export const CLUSTER_LOG_TYPES = ["audit", "authenticator"] as const;

/**
 * The retention periods CloudWatch Logs accepts, in days; 0 keeps events forever (@pulumi/aws
 * cloudwatch.LogGroup retentionInDays, after the PutRetentionPolicy API).
 */
export const LOG_RETENTION_DAYS = [0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;
export const DEFAULT_LOG_RETENTION_DAYS = 90;

export function controlPlaneLogGroupName(clusterName: string): string {
  return `/aws/eks/${clusterName}/cluster`;
}

/**
 * A KMS key's ARN (`arn:<partition>:kms:<region>:<account>:key/<key id>`, a key id being a UUID or
 * a multi-Region `mrk-` id): EKS's encryptionConfig takes the key's ARN, not an alias
 * (@pulumi/aws eks.ClusterEncryptionConfigProvider keyArn; https://docs.aws.amazon.com/kms/latest/developerguide/concepts.html#key-id-key-ARN).
 */
export const KMS_KEY_ARN = /^arn:aws(-cn|-us-gov)?:kms:([a-z]{2}(-[a-z]+)+-\d):(\d{12}):key\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$/;

/** The region of a KMS key ARN (the key must be in the cluster's: https://docs.aws.amazon.com/eks/latest/userguide/enable-kms.html). */
export function kmsKeyRegion(arn: string): string | undefined {
  return KMS_KEY_ARN.exec(arn)?.[2];
}
