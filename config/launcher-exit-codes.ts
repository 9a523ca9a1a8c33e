/**
 * What the launcher (images/launcher/supervise.py) tells the controllers with its exit code, and the
 * port its peers ask it on. The Job's podFailurePolicy (k8s/failure-policy.ts) is written against
 * these numbers; tests/launcher-exit-codes.test.ts reads them back from the Python module, so the
 * two never disagree.
 */
export const LAUNCHER_EXIT = {
  /** This pod was told to stop (SIGTERM): 128 + 15. */
  stopped: 143,
  /** The run failed because another node's launcher was gone or stopping: a disruption elsewhere. */
  peerLost: 75,
  /** GTC_RESTART_ATTEMPT is above --max-restarts: the run fails for good. */
  restartLimit: 76,
  /** The GPU health check found a sick GPU and labelled the node (images/launcher/gpu_health.py): the machine's fault. */
  gpuUnhealthy: 77,
} as const;

/**
 * The node label a sick GPU's launcher sets (gpu_health.py UNHEALTHY_LABEL); training pods require it
 * absent, so the replacement pod lands on another node.
 */
export const GPU_UNHEALTHY_LABEL = "gpu-training-clusters.dev/gpu-unhealthy";

/** The TCP port every launcher of a multi-node run answers its peers on ("ok" or "stopping"). */
export const PEER_PORT = 29501;

/** The JobSet restart attempt of the pod (label jobset.sigs.k8s.io/restart-attempt), for --max-restarts. */
export const RESTART_ATTEMPT_ENV = "GTC_RESTART_ATTEMPT";

/** The pod's node name (downward API spec.nodeName): the node a sick GPU's check labels (launch.py NODE_NAME_ENV). */
export const NODE_NAME_ENV = "GTC_NODE_NAME";
