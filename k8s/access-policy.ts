/**
 * The AWS access an experiment's volumes need, as inline IAM policies: one per source kind that
 * grants any (config/sources/, `iam`), attached to the role of that kind's driver. The driver's
 * role carries no access of its own, so a stack reaches only what its stack file names.
 */
import { VOLUME_SOURCES, VolumeSource, typeOf, usesOf } from "../config/sources";
import type { IamStatement, SourceUse, VolumeSourceKind } from "../config/sources/kind";

export interface PolicyDocument {
  readonly Version: "2012-10-17";
  readonly Statement: readonly IamStatement[];
}

export interface AccessPolicy {
  /** The source kind whose driver role gets the policy. */
  readonly sourceType: string;
  readonly document: PolicyDocument;
}

/**
 * The policies of the experiment's volumes, none for a kind that needs no grant.
 * @param partition the ARN partition: `aws`, or `aws-cn` / `aws-us-gov` in those regions.
 */
export function accessPolicies(uses: readonly SourceUse<VolumeSource>[], partition = "aws"): AccessPolicy[] {
  return (VOLUME_SOURCES as readonly VolumeSourceKind[]).flatMap((kind) => {
    const statements = kind.iam ? usesOf(kind, uses).flatMap((use) => kind.iam!(use, partition)) : [];
    return statements.length > 0 ? [{ sourceType: typeOf(kind), document: { Version: "2012-10-17" as const, Statement: statements } }] : [];
  });
}
