/**
 * ECR documents for the repository a stack pushes its built image to (components/aws/training-image.ts).
 */

/**
 * Keep the newest `keep` images, whatever their tags; older ones expire. A rule with tagStatus
 * "any" must have the highest rulePriority; `imageCountMoreThan` counts images by push time.
 * https://docs.aws.amazon.com/AmazonECR/latest/userguide/lifecycle_policy_parameters.html
 * https://docs.aws.amazon.com/AmazonECR/latest/userguide/lifecycle_policy_examples.html
 */
export function ecrLifecyclePolicy(keep: number) {
  return {
    rules: [
      {
        rulePriority: 1,
        description: `keep the ${keep} most recent images`,
        selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: keep },
        action: { type: "expire" },
      },
    ],
  };
}

/**
 * Tag of one build: `build-` and the first 16 hex digits of a SHA-256 over the context's files
 * (relative path and content, in path order). Tags in the repository are immutable, so a tag
 * must name one content: the same context gets the same tag (and the provider, seeing no change,
 * does not rebuild), a changed context a new one. Pure: the caller reads the files.
 */
export function contextTag(files: readonly { readonly path: string; readonly content: Buffer | string }[], hash: (data: (Buffer | string)[]) => string): string {
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return `build-${hash(sorted.flatMap((f) => [f.path, "\0", f.content, "\0"])).slice(0, 16)}`;
}
