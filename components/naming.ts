/** Physical names derived from the stack, shared by the program and the offline plan's mocks. */

/** EKS cluster name of a stack that creates one (EKS allows 100 characters: [0-9A-Za-z][A-Za-z0-9-_]*). */
export function eksClusterName(stack: string): string {
  return `gtc-${stack}`.replace(/[^A-Za-z0-9_-]/g, "-").slice(0, 100);
}
