/**
 * The paths the launcher owns in every training pod, shared by the rules that keep user values
 * off them (config/), the pod spec (k8s/) and the local rehearsal (tools/job-local.ts).
 *
 * The launcher (images/launcher/) is a ConfigMap mounted at LAUNCHER_DIR over the public image; the
 * experiment's workdir archive is a ConfigMap mounted at WORKDIR_ARCHIVE_DIR and unpacked into an
 * emptyDir at WORKDIR_MOUNT, torchrun's working directory (k8s/workdir.ts).
 */
import * as posix from "path/posix";

export const LAUNCHER_DIR = "/opt/gtc";
/** The smoke workload that ships with the launcher: the default training command. */
export const SMOKE_SCRIPT = posix.join(LAUNCHER_DIR, "smoke.py");
export const SMOKE_ARGS: readonly string[] = ["--seconds", "60"];

/** Where the unpacked workdir lives in the pod: torchrun's working directory. */
export const WORKDIR_MOUNT = "/workdir";
/** Where the archive's ConfigMap is mounted. */
export const WORKDIR_ARCHIVE_DIR = "/opt/gtc-workdir";
export const WORKDIR_ARCHIVE_FILE = "workdir.tar.gz";

/** Mount paths the launcher owns: no dataset or output may be mounted on or under them. */
export const RESERVED_MOUNT_PATHS: readonly string[] = ["/dev/shm", LAUNCHER_DIR, WORKDIR_MOUNT, WORKDIR_ARCHIVE_DIR];

/**
 * The names of the secretEnv variables, comma-separated, in a plain variable of the pod: the
 * launcher leaves those variables out of the setup commands' environment (images/launcher/workdir.py
 * SECRET_ENV_NAMES), so only torch.distributed.run's workers see the values.
 */
export const SECRET_ENV_NAMES_ENV = "GTC_SECRET_ENV";
