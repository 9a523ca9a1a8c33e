/**
 * A stand-in Kubernetes API server on 127.0.0.1 for `npm run status` / `npm run logs`: serves
 * lists (namespaced and cluster-wide, honouring `labelSelector` equality and existence terms),
 * single nodes, Kueue Workloads and pendingworkloads, and pod logs (with tailLines). Every request
 * is recorded. Paths it does not know answer 404, as an API server without that API would.
 */
import * as http from "http";
import type { AddressInfo } from "net";
import { kubeconfigFor } from "../reap/fake-kube-api";

export interface ClusterState {
  readonly pods?: object[];
  readonly jobs?: object[];
  readonly jobsets?: object[];
  readonly nodes?: object[];
  readonly workloads?: object[];
  /** Which Kueue version serves Workloads (default v1beta2); none when undefined workloads. */
  readonly kueueVersion?: "v1beta1" | "v1beta2";
  /** LocalQueue name → pendingworkloads items. */
  readonly pending?: Record<string, object[]>;
  /** Pod name → log text. */
  readonly logs?: Record<string, string>;
  /** Answer every request with this status instead. */
  readonly status?: number;
  /** Paths starting with one of these answer 403, as RBAC refusing the user would. */
  readonly forbidden?: readonly string[];
  /** Pod name → the pod served from the first GET of that single pod on (a pod that starts). */
  readonly startsOnGet?: Record<string, object>;
  /** Pods whose followed log breaks off: their text is sent, then the connection is dropped. */
  readonly dropFollow?: readonly string[];
  /** Pods whose followed log goes on: one more line every 100 ms for 5 s. */
  readonly dripFollow?: readonly string[];
}

export interface FakeCluster {
  readonly port: number;
  readonly kubeconfig: string;
  readonly requests: string[];
  close(): Promise<void>;
}

type Obj = { metadata?: { name?: string; namespace?: string; labels?: Record<string, string> } };

function matches(o: Obj, selector: string | null): boolean {
  if (!selector) return true;
  const labels = o.metadata?.labels ?? {};
  return selector.split(",").every((term) => {
    const [k, v] = term.split("=");
    return v === undefined ? k in labels : labels[k] === v;
  });
}

export function startFakeCluster(state: ClusterState): Promise<FakeCluster> {
  const requests: string[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    requests.push(`${req.method} ${url.pathname}${url.search}`);
    const json = (code: number, body: unknown) => {
      res.statusCode = code;
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify(body));
    };
    if (state.status) return json(state.status, { kind: "Status", apiVersion: "v1", status: "Failure", message: "denied", code: state.status });
    const p = url.pathname;
    if ((state.forbidden ?? []).some((prefix) => p.startsWith(prefix))) return json(403, { kind: "Status", code: 403, reason: "Forbidden", message: `forbidden: cannot get ${p}` });
    const single = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)$/.exec(p);
    if (single) {
      const name = decodeURIComponent(single[2]);
      const started = state.startsOnGet?.[name];
      const pods = (state.pods ?? []) as Obj[];
      if (started) pods.splice(pods.findIndex((o) => o.metadata?.name === name), 1, started as Obj);
      const found = pods.find((o) => o.metadata?.name === name);
      return found ? json(200, found) : json(404, { kind: "Status", code: 404, message: `pods "${name}" not found` });
    }
    const selector = url.searchParams.get("labelSelector");
    const log = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/log$/.exec(p);
    if (log) {
      const text = state.logs?.[decodeURIComponent(log[2])];
      if (text === undefined) return json(404, { kind: "Status", code: 404, message: `pods "${log[2]}" not found` });
      const tail = Number(url.searchParams.get("tailLines") ?? 0);
      const lines = text.split("\n");
      if (lines[lines.length - 1] === "") lines.pop();
      res.statusCode = 200;
      res.setHeader("content-type", "text/plain");
      const body = `${(tail > 0 ? lines.slice(-tail) : lines).join("\n")}\n`;
      if (url.searchParams.get("follow") === "true" && state.dropFollow?.includes(decodeURIComponent(log[2]))) {
        res.write(body);
        timers.add(setTimeout(() => res.socket?.destroy(), 100));
        return;
      }
      if (url.searchParams.get("follow") === "true" && state.dripFollow?.includes(decodeURIComponent(log[2]))) {
        res.write(body);
        let n = 0;
        const timer: NodeJS.Timeout = setInterval(() => {
          if (++n > 50 || res.destroyed) {
            clearInterval(timer);
            return void res.end();
          }
          res.write(`step ${n}\n`);
        }, 100);
        timers.add(timer);
        return;
      }
      return res.end(body);
    }
    const node = /^\/api\/v1\/nodes\/([^/]+)$/.exec(p);
    if (node) {
      const found = (state.nodes ?? []).find((n) => (n as Obj).metadata?.name === decodeURIComponent(node[1]));
      return found ? json(200, found) : json(404, { kind: "Status", code: 404 });
    }
    const pending = /^\/apis\/visibility\.kueue\.x-k8s\.io\/v1beta2\/namespaces\/[^/]+\/localqueues\/([^/]+)\/pendingworkloads$/.exec(p);
    if (pending && state.pending) return json(200, { kind: "PendingWorkloadsSummary", items: state.pending[decodeURIComponent(pending[1])] ?? [] });
    const kueue = state.workloads ? (state.kueueVersion ?? "v1beta2") : "none";
    const lists: [RegExp, object[] | undefined][] = [
      [/^\/api\/v1(\/namespaces\/([^/]+))?\/pods$/, state.pods],
      [/^\/apis\/batch\/v1(\/namespaces\/([^/]+))?\/jobs$/, state.jobs],
      [/^\/apis\/jobset\.x-k8s\.io\/v1alpha2(\/namespaces\/([^/]+))?\/jobsets$/, state.jobsets],
      [/^\/api\/v1\/nodes$/, state.nodes ?? []],
      [new RegExp(`^/apis/kueue\\.x-k8s\\.io/${kueue}(/namespaces/([^/]+))?/workloads$`), state.workloads],
    ];
    for (const [re, items] of lists) {
      const m = re.exec(p);
      if (!m || items === undefined) continue;
      const ns = m[2];
      return json(200, { kind: "List", metadata: {}, items: (items as Obj[]).filter((o) => (!ns || (o.metadata?.namespace ?? "default") === ns) && matches(o, selector)) });
    }
    return json(404, { kind: "Status", code: 404, message: "the server could not find the requested resource" });
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as AddressInfo).port;
      const close = () =>
        new Promise<void>((r) => {
          for (const t of timers) clearTimeout(t);
          server.close(() => r());
          server.closeAllConnections();
        });
      resolve({ port, kubeconfig: kubeconfigFor(port), requests, close });
    }),
  );
}
