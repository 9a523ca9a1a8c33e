/**
 * Resource names of the `cluster.admins` access entries. A name must follow its principal, not its
 * place in the list: named by index, removing the first admin would rename every later one, and
 * Pulumi would create the "new" entry before deleting the old one for a principal that still has
 * one, which EKS refuses (CreateAccessEntry, principalArn: "You can't specify the same ARN in more
 * than one access entry": https://docs.aws.amazon.com/eks/latest/APIReference/API_CreateAccessEntry.html).
 */
import { createHash } from "crypto";

/** A short, stable name part for an IAM principal ARN: its last path segment and a hash of the whole ARN. */
export function adminSlug(principalArn: string): string {
  const last = principalArn.split(/[/:]/).pop() ?? "";
  const readable = last.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 24);
  const hash = createHash("sha256").update(principalArn).digest("hex").slice(0, 8);
  return readable ? `${readable}-${hash}` : hash;
}
