/**
 * A stand-in Kubernetes API server on localhost: the list endpoints the reaper reads (pods, jobs,
 * nodes, JobSets, Kueue Workloads), or one error status for every request. A cluster without
 * JobSet or Kueue answers 404 on their paths, as an API server does for a group it does not serve.
 */
import * as http from "http";
import type { AddressInfo } from "net";

export interface FakeKubeApi {
  readonly port: number;
  /** A kubeconfig for it (plain HTTP, which the client allows only with TLS verification off). */
  readonly kubeconfig: string;
  close(): Promise<void>;
}

export interface KubeLists {
  readonly pods?: unknown[];
  readonly jobs?: unknown[];
  readonly nodes?: unknown[];
  /** Served at jobset.x-k8s.io/v1alpha2 when present; 404 otherwise. */
  readonly jobSets?: unknown[];
  /** Served at kueue.x-k8s.io/<kueueVersion> when present; 404 otherwise. */
  readonly workloads?: unknown[];
  readonly pvcs?: unknown[];
  readonly pvs?: unknown[];
  readonly services?: unknown[];
  /** v1beta2 (Kueue 0.19, default) or v1beta1 (Kueue before 0.15). */
  readonly kueueVersion?: "v1beta2" | "v1beta1";
}

export function kubeconfigFor(port: number): string {
  return `apiVersion: v1
kind: Config
clusters: [{ name: c, cluster: { server: "http://127.0.0.1:${port}", insecure-skip-tls-verify: true } }]
users: [{ name: u, user: { token: t0k3n } }]
contexts: [{ name: x, context: { cluster: c, user: u } }]
current-context: x
`;
}

export function startFakeKubeApi(answer: KubeLists | { readonly status: number }): Promise<FakeKubeApi> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? "").split("?")[0];
    res.setHeader("content-type", "application/json");
    if ("status" in answer) {
      res.statusCode = answer.status;
      res.end(JSON.stringify({ kind: "Status", apiVersion: "v1", status: "Failure", message: `forbidden: User "reaper" cannot list`, reason: "Forbidden", code: answer.status }));
      return;
    }
    const kueue = answer.kueueVersion ?? "v1beta2";
    const lists: Record<string, [string, string, unknown[] | undefined]> = {
      "/api/v1/pods": ["v1", "PodList", answer.pods],
      "/apis/batch/v1/jobs": ["batch/v1", "JobList", answer.jobs],
      "/api/v1/nodes": ["v1", "NodeList", answer.nodes],
      "/api/v1/persistentvolumeclaims": ["v1", "PersistentVolumeClaimList", answer.pvcs],
      "/api/v1/persistentvolumes": ["v1", "PersistentVolumeList", answer.pvs],
      "/api/v1/services": ["v1", "ServiceList", answer.services],
      ...(answer.jobSets ? { "/apis/jobset.x-k8s.io/v1alpha2/jobsets": ["jobset.x-k8s.io/v1alpha2", "JobSetList", answer.jobSets] as [string, string, unknown[]] } : {}),
      ...(answer.workloads ? { [`/apis/kueue.x-k8s.io/${kueue}/workloads`]: [`kueue.x-k8s.io/${kueue}`, "WorkloadList", answer.workloads] as [string, string, unknown[]] } : {}),
    };
    const hit = lists[path];
    if (!hit) {
      // kube-apiserver's answer for a path no installed API group serves (its NotFound handler).
      res.statusCode = 404;
      res.setHeader("content-type", "text/plain; charset=utf-8");
      res.end("404 page not found\n");
      return;
    }
    res.statusCode = 200;
    res.end(JSON.stringify({ apiVersion: hit[0], kind: hit[1], metadata: {}, items: hit[2] ?? [] }));
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as AddressInfo).port;
      resolve({ port, kubeconfig: kubeconfigFor(port), close: () =>
          new Promise((r) => {
            // Keep-alive sockets of the client would hold the server (and the Jest worker) open.
            server.close(() => r());
            server.closeAllConnections();
          }) });
    }),
  );
}
