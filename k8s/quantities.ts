/** Sizes as Kubernetes resource quantities (https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/quantity/). */
import { MIB_PER_GIB } from "../plan/pod-sizing";

/** A MiB count as a Kubernetes quantity: whole GiB as `Gi`, anything else as `Mi`. */
export function mebibytes(mib: number): string {
  if (!Number.isInteger(mib) || mib <= 0) throw new Error(`not a positive whole MiB count: ${mib}`);
  return mib % MIB_PER_GIB === 0 ? `${mib / MIB_PER_GIB}Gi` : `${mib}Mi`;
}

/** Millicores as a quantity: whole cores as a plain number string, else `m`. */
export function millicores(milli: number): string {
  if (!Number.isInteger(milli) || milli <= 0) throw new Error(`not a positive whole millicore count: ${milli}`);
  return milli % 1000 === 0 ? `${milli / 1000}` : `${milli}m`;
}
