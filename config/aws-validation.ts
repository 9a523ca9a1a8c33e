/**
 * AWS's own rules for the values the program passes to AWS APIs, so the plan refuses what
 * CreateBucket-style validation or the provider would refuse at `pulumi up`.
 */
import { Region } from "@pulumi/aws/types/enums";
import { z } from "zod";

/**
 * General purpose bucket naming rules
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html, checked 2026-11):
 * 3-63 characters of a-z, 0-9, '.', '-'; a letter or digit at both ends; no two adjacent
 * periods; not formatted as an IP address; reserved prefixes and suffixes below.
 */
export const S3_RESERVED_PREFIXES = ["xn--", "sthree-", "amzn-s3-demo-"] as const;
export const S3_RESERVED_SUFFIXES = ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"] as const;

/**
 * What a name with a reserved suffix really is (same page; directory buckets:
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/directory-bucket-naming-rules.html,
 * `base-name--zone-id--x-s3`). Such a name is valid somewhere in S3, just not as a general
 * purpose bucket, which is what the IAM grant and the Mountpoint volume are for.
 */
const UNSUPPORTED = "is not supported here: the IAM grant and the Mountpoint volume are for general purpose buckets (give the bucket's own name)";
const RESERVED_SUFFIX_KIND: Readonly<Record<string, string>> = {
  "--x-s3": `names a directory bucket (suffix "--x-s3"), which ${UNSUPPORTED}`,
  "-s3alias": `is an access point alias (suffix "-s3alias"), which ${UNSUPPORTED}`,
  "--ol-s3": `is an Object Lambda access point alias (suffix "--ol-s3"), which ${UNSUPPORTED}`,
  ".mrap": `is a Multi-Region Access Point name (suffix ".mrap"), which ${UNSUPPORTED}`,
  "--table-s3": `names a table bucket (suffix "--table-s3"), which ${UNSUPPORTED}`,
};

export function s3BucketName(name: string): string[] {
  const problems: string[] = [];
  if (name.length < 3 || name.length > 63) problems.push(`must be 3 to 63 characters long (it has ${name.length})`);
  if (!/^[a-z0-9.-]*$/.test(name)) problems.push("may contain only lower-case letters, digits, '.' and '-'");
  // Case is the rule above; this one is about the ends only, so "Example-..." is not told E is no letter.
  if (!/^[A-Za-z0-9]/.test(name) || !/[A-Za-z0-9]$/.test(name)) problems.push("must begin and end with a letter or digit");
  if (name.includes("..")) problems.push("must not contain two adjacent periods");
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(name)) problems.push("must not be formatted as an IP address");
  for (const prefix of S3_RESERVED_PREFIXES) if (name.startsWith(prefix)) problems.push(`must not start with the reserved prefix "${prefix}"`);
  for (const suffix of S3_RESERVED_SUFFIXES) if (name.endsWith(suffix)) problems.push(RESERVED_SUFFIX_KIND[suffix] ?? `must not end with the reserved suffix "${suffix}"`);
  return problems;
}

/**
 * Every region the AWS provider knows, from its Region enum (@pulumi/aws types/enums, generated
 * from the provider's region list), each with its ARN partition
 * (https://docs.aws.amazon.com/whitepapers/latest/aws-fault-isolation-boundaries/partitions.html).
 */
export const AWS_REGIONS: readonly string[] = Object.values(Region);

export function regionPartition(region: string): string {
  const prefixes: readonly [string, string][] = [
    ["cn-", "aws-cn"],
    ["us-gov-", "aws-us-gov"],
    ["eusc-", "aws-eusc"],
    ["us-isob-", "aws-iso-b"],
    ["us-isof-", "aws-iso-f"],
    ["eu-isoe-", "aws-iso-e"],
    ["us-iso-", "aws-iso"],
  ];
  return prefixes.find(([p]) => region.startsWith(p))?.[1] ?? "aws";
}

/** The partition every ARN this program writes is in (components/aws/builders/iam.ts). */
export const PROGRAM_PARTITION = "aws";

export function commercialRegions(): string[] {
  return AWS_REGIONS.filter((r) => regionPartition(r) === PROGRAM_PARTITION);
}

/** The region of a stack that names none (and does not need one: see regionRules in load.ts). */
export const DEFAULT_REGION = "us-east-1";

/**
 * `aws:region` as a stack file writes it, for the generated JSON Schema and reference (the loader
 * checks it in load.ts, whose messages also name a region's partition).
 */
export const awsRegionSchema = z
  .enum(commercialRegions().sort())
  .default(DEFAULT_REGION)
  .meta({ description: "the AWS region of the cluster and of the S3 access it grants; required when the stack creates an EKS cluster or grants S3 access" });

/**
 * EC2 instance type names are `<family>.<size>` (https://docs.aws.amazon.com/ec2/latest/instancetypes/instance-type-names.html):
 * a family of lower-case letters, digits and '-' (e.g. m6i, u-6tb1, m7i-flex) and a size (large, 12xlarge, metal-48xl).
 */
export function ec2InstanceTypeName(name: string): string[] {
  // Sizes: nano, micro, small, medium, large, xlarge, <n>xlarge, metal and metal-<n>xl.
  const size = "(nano|micro|small|medium|large|xlarge|[0-9]+xlarge|metal|metal-[0-9]+xl)";
  return new RegExp(`^[a-z][a-z0-9-]*[a-z0-9]\\.${size}$`).test(name) ? [] : ["must be an EC2 instance type name such as m6i.large (family.size, lower-case; sizes nano to <n>xlarge, metal)"];
}
