/**
 * Where GPU nodes pull the catalog's docker.io images from. Docker Hub limits unauthenticated
 * pulls to 10 per hour per IPv4 address or IPv6 /64 (docker/docs
 * content/manuals/docker-hub/usage/_index.md, "Unauthenticated users"), and every node behind one
 * NAT gateway shares that address: a sweep that starts many nodes can hit ImagePullBackOff on paid
 * GPUs. An ECR pull-through cache rule for Docker Hub serves the same images from the region's
 * registry (https://docs.aws.amazon.com/AmazonECR/latest/userguide/pull-through-cache.html);
 * Docker Hub as upstream needs credentials in a Secrets Manager secret whose name begins with
 * `ecr-pullthroughcache/`, in the rule's account and Region (pull-through-cache-creating-rule.html).
 * Pure.
 */
import { createHash } from "crypto";
import type { Problem } from "../config/errors";
import { parseImageReference, normalizedRepository } from "../catalog/image-ref";
import { pulledImages } from "../catalog/images";

/** The upstream registry URL of Docker Hub (CreatePullThroughCacheRule, upstreamRegistryUrl). */
export const DOCKER_HUB_UPSTREAM = "registry-1.docker.io";

/** Docker Hub's limit for the pulls of every node behind one NAT gateway (docker/docs, see above). */
export const DOCKER_HUB_ANONYMOUS_LIMIT = "10 pulls per hour per IPv4 address";

/** Where the cache serves images: the registry host and the rule's repository prefix. */
export interface ImageCache {
  /** `<account>.dkr.ecr.<region>.amazonaws.com` */
  readonly registry: string;
  readonly prefix: string;
}

/**
 * The rule's repository prefix, one per stack: a prefix names one rule in the registry (account and
 * Region), so two cluster stacks of one account never claim the same one. ECR allows 2-30
 * characters of `[a-z0-9]` runs joined by `.`, `_` or `-` (API_PullThroughCacheRule,
 * ecrRepositoryPrefix): a hash of the stack name keeps any stack within that.
 */
export function imageCachePrefix(stack: string): string {
  return `gtc-${createHash("sha256").update(stack).digest("hex").slice(0, 8)}-docker-hub`;
}

export function ecrRegistry(accountId: string, region: string): string {
  return `${accountId}.dkr.ecr.${region}.amazonaws.com`;
}

/**
 * A docker.io reference as the cache serves it: `<registry>/<prefix>/<path>:<tag>`; Docker Hub
 * official images keep their `library/` path, others go without it
 * (https://docs.aws.amazon.com/AmazonECR/latest/userguide/pull-through-cache-working.html).
 * By tag, not by digest: ECR fills its cache only on a pull by tag, and a first pull by digest (or
 * by `tag@digest`) of an image it does not hold yet comes back as missing
 * (aws/containers-roadmap#2837, open), which would leave GPU pods in ImagePullBackOff. So the
 * cache serves catalog images, whose tag names the catalog's digest (catalog/images.ts), by that
 * tag; an image pinned by digest alone is not cached. Undefined for images of other registries and
 * for those.
 */
export function cachedReference(reference: string, cache: ImageCache): string | undefined {
  const hub = dockerHubPath(reference);
  return hub?.tag === undefined ? undefined : `${cache.registry}/${cache.prefix}/${hub.path}:${hub.tag}`;
}

/** Whether an image comes from Docker Hub. */
export function isDockerHub(reference: string): boolean {
  return dockerHubPath(reference) !== undefined;
}

/** The Docker Hub path of a reference, and the tag the cache can fill by: its own, or the catalog's for its digest. */
function dockerHubPath(reference: string): { path: string; tag?: string } | undefined {
  const parsed = parseImageReference(reference);
  if (!parsed.ok) return undefined;
  const repository = normalizedRepository(parsed.ref);
  if (!repository.startsWith("docker.io/")) return undefined;
  const catalog = parsed.ref.digest ? pulledImages().find((i) => i.digest === parsed.ref.digest && i.tag !== undefined) : undefined;
  return { path: repository.slice("docker.io/".length), tag: catalog?.tag ?? (parsed.ref.digest ? undefined : parsed.ref.tag) };
}

/** `{cache.registry}/{cache.prefix}`, the form a cluster stack exports. */
export function cacheLocation(cache: ImageCache): string {
  return `${cache.registry}/${cache.prefix}`;
}

export function parseCacheLocation(location: unknown): ImageCache | undefined {
  if (typeof location !== "string") return undefined;
  const m = /^(\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com)\/(.+)$/.exec(location);
  return m ? { registry: m[1], prefix: m[2] } : undefined;
}

/** The Region and account of a secret ARN (`arn:aws:secretsmanager:<region>:<account>:secret:<name>`). */
function secretPlace(arn: string): { region: string; account: string } | undefined {
  const m = /^arn:[a-z-]+:secretsmanager:([a-z0-9-]+):(\d{12}):secret:/.exec(arn);
  return m ? { region: m[1], account: m[2] } : undefined;
}

/** ECR takes the secret only from the rule's own account and Region (pull-through-cache-creating-rule.html). */
export function imageCacheRules(secretArn: string, region: string, accountId: string | undefined): Problem[] {
  const place = secretPlace(secretArn);
  const path = "cluster.dockerHubCredentialsSecretArn";
  if (!place) return [];
  if (place.region !== region) {
    return [{ path, message: `is in ${place.region}, but the cache rule is created in ${region}, and ECR takes the secret only from the rule's own Region (got ${secretArn}; copy the secret to ${region})` }];
  }
  if (accountId !== undefined && place.account !== accountId) {
    return [{ path, message: `belongs to account ${place.account}, but the cache rule is created in account ${accountId}, and ECR takes the secret only from the rule's own account (got ${secretArn})` }];
  }
  return [];
}
