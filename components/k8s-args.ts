/**
 * The one place plain Kubernetes objects from k8s/ become @pulumi/kubernetes resource args.
 * kubernetes-models (which the builders are typed with, and which the tests validate them
 * against) and @pulumi/kubernetes describe the same upstream schema with different TypeScript
 * types (a Quantity is `number | string` in one and `Input<string>` in the other), so the
 * objects cross over with a single cast instead of a copy of every field.
 */
export function resourceArgs<Args>(object: object): Args {
  return object as unknown as Args;
}
