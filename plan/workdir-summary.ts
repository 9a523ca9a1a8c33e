/** What the plan shows of an experiment's workdir (packed by workdir/archive.ts), and how it prints sizes. */

export interface ShippedFile {
  readonly path: string;
  readonly bytes: number;
}

/** What the plan shows of a workdir. */
export interface WorkdirSummary {
  /** As the stack wrote it. */
  readonly path: string;
  readonly files: readonly ShippedFile[];
  /** Sum of the file sizes. */
  readonly bytes: number;
  /** Size of the tar.gz. */
  readonly archiveBytes: number;
  /**
   * sha256 of the uncompressed tar: the content address. The Job carries it and the launcher
   * checks it, so it does not depend on the compressor's version.
   */
  readonly sha256: string;
  readonly transport: "configmap";
}

export function humanBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let v = n;
  let u = -1;
  do {
    v /= 1024;
    u++;
  } while (v >= 1024 && u < units.length - 1);
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`;
}
