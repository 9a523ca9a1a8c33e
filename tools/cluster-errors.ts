/**
 * The ways reaching a stack's cluster fails that the user can act on (no stack output, no
 * kubeconfig, the API refusing or unreachable): one line on stderr and exit status 1, for every
 * command that talks to the cluster. Anything else is a bug and propagates.
 */
import { KubeAccessError } from "../reap/types";
import { HttpStatusError } from "../status/kube-client";
import { StatusError } from "../status/target";

export function clusterFailure(e: unknown): number {
  if (e instanceof StatusError || e instanceof KubeAccessError || e instanceof HttpStatusError) {
    process.stderr.write(`error: ${e.message}\n`);
    return 1;
  }
  throw e;
}
