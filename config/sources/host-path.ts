/**
 * `type: hostPath`: a directory of the node, for machines that keep their disks: hybrid and
 * existing pools (a managed node is replaced, and its disk with it).
 */
import { z } from "zod";
import { absolutePath } from "../fields";
import { volumeSourceKind } from "./kind";

const schema = z.strictObject({
  type: z.literal("hostPath").meta({ description: "a directory on the node; hybrid and existing pools only" }),
  path: absolutePath.meta({ description: "absolute path on the node" }),
});

export const hostPathSource = volumeSourceKind({
  schema,
  needsEks: false,
  pools: { kinds: ["hybrid", "existing"], why: "managed nodes are replaced and their disks with them" },
  renames: true,
  // A dataset directory must already be there (the pod fails to start otherwise, before any GPU
  // time is spent); an output directory is created on first use.
  podVolume: (use) => ({ hostPath: { path: use.source.path, type: use.role === "dataset" ? "Directory" : "DirectoryOrCreate" } }),
});
