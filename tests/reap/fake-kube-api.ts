/** A fake Kubernetes API server on localhost: list endpoints for pods, jobs and nodes, or one error status. */
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
    const lists: Record<string, [string, string, unknown[] | undefined]> = {
      "/api/v1/pods": ["v1", "PodList", answer.pods],
      "/apis/batch/v1/jobs": ["batch/v1", "JobList", answer.jobs],
      "/api/v1/nodes": ["v1", "NodeList", answer.nodes],
    };
    const hit = lists[path];
    res.statusCode = hit ? 200 : 404;
    res.end(JSON.stringify(hit ? { apiVersion: hit[0], kind: hit[1], metadata: {}, items: hit[2] ?? [] } : { kind: "Status", code: 404 }));
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
