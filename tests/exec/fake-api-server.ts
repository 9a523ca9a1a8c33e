/**
 * A stand-in Kubernetes API server on 127.0.0.1 that keeps what it is sent, for `npm run exec`:
 * GET of single objects and lists (labelSelector equality), POST to a collection (201 with a uid
 * and creationTimestamp, 409 AlreadyExists for a taken name, 404 for a namespace-less or unknown
 * collection), server-side apply (PATCH application/apply-patch+yaml with a fieldManager: create or
 * replace), pod logs. It plays the controllers as far as a test needs: Kueue's webhook suspends a
 * run carrying the queue label and Kueue makes its Workload (admitted, or inadmissible with
 * Kueue's reason), and, for an admitted Job, the Job controller makes pod 0, which ends with the
 * given log and result.
 */
import * as http from "http";
import type { AddressInfo } from "net";
import { kubeconfigFor } from "../reap/fake-kube-api";

type Obj = { apiVersion?: string; kind?: string; metadata?: { name?: string; namespace?: string; uid?: string; labels?: Record<string, string>; ownerReferences?: object[] }; spec?: Record<string, unknown>; status?: Record<string, unknown>; data?: Record<string, string> };

export interface ApiOptions {
  /** Objects present at the start: path of their collection → objects. */
  readonly objects?: Record<string, Obj[]>;
  /** What Kueue says of a new run: admit it, or call it inadmissible with this message. */
  readonly kueue?: { readonly admit: true } | { readonly inadmissible: string };
  /** For an admitted Job: pod 0's log and exit code. */
  readonly pod?: { readonly log: string; readonly exitCode: number };
}

export interface FakeApi {
  readonly port: number;
  readonly kubeconfig: string;
  /** `METHOD path?query` of every request, in order, with the time it arrived (ms since epoch). */
  readonly requests: { readonly line: string; readonly at: number; readonly body?: Obj; readonly contentType?: string }[];
  /** Collection path → objects now stored. */
  readonly store: Map<string, Obj[]>;
  close(): Promise<void>;
}

/** Collections of a namespace: each stack's objects live in its own (config/names.ts stackNamespace). */
export const LOCAL_QUEUES = (ns: string) => `/apis/kueue.x-k8s.io/v1beta2/namespaces/${ns}/localqueues`;
export const CONFIG_MAPS = (ns: string) => `/api/v1/namespaces/${ns}/configmaps`;
export const SECRETS = (ns: string) => `/api/v1/namespaces/${ns}/secrets`;
const JOBS = (ns: string) => `/apis/batch/v1/namespaces/${ns}/jobs`;
const PODS = (ns: string) => `/api/v1/namespaces/${ns}/pods`;
const WORKLOADS = (ns: string) => `/apis/kueue.x-k8s.io/v1beta2/namespaces/${ns}/workloads`;
const COLLECTION = /^\/(api\/v1|apis\/[^/]+\/[^/]+)\/namespaces\/[^/]+\/[a-z]+$/;

function matches(o: Obj, selector: string | null): boolean {
  if (!selector) return true;
  return selector.split(",").every((term) => {
    const [k, v] = term.split("=");
    return v === undefined ? k in (o.metadata?.labels ?? {}) : o.metadata?.labels?.[k] === v;
  });
}

export function startFakeApi(options: ApiOptions = {}): Promise<FakeApi> {
  const store = new Map<string, Obj[]>(Object.entries(options.objects ?? {}).map(([k, v]) => [k, [...v]]));
  const logs = new Map<string, string>();
  const requests: FakeApi["requests"] = [];
  let uids = 0;
  const list = (p: string) => store.get(p) ?? (store.set(p, []), store.get(p)!);

  /** What Kueue and the Job controller do once a run is created. */
  function controllers(collection: string, run: Obj): void {
    const queue = run.metadata?.labels?.["kueue.x-k8s.io/queue-name"];
    if (!queue || !options.kueue) return;
    const ns = /\/namespaces\/([^/]+)\//.exec(collection)![1];
    run.spec = { ...run.spec, suspend: true };
    const owner = { apiVersion: run.apiVersion, kind: run.kind, name: run.metadata?.name, uid: run.metadata?.uid, controller: true };
    const admitted = "admit" in options.kueue;
    const conditions = admitted
      ? [{ type: "QuotaReserved", status: "True", reason: "QuotaReserved" }, { type: "Admitted", status: "True", reason: "Admitted" }]
      : [{ type: "QuotaReserved", status: "False", reason: "Inadmissible", message: (options.kueue as { inadmissible: string }).inadmissible }];
    list(WORKLOADS(ns)).push({ apiVersion: "kueue.x-k8s.io/v1beta2", kind: "Workload", metadata: { name: `${run.kind?.toLowerCase()}-${run.metadata?.name}-1a2b3`, namespace: ns, ownerReferences: [owner] }, spec: { queueName: queue }, status: { conditions } });
    if (!admitted || collection !== JOBS(ns) || !options.pod) return;
    run.spec = { ...run.spec, suspend: false };
    const name = `${run.metadata?.name}-0-abcde`;
    const template = (run.spec.template as Obj).metadata?.labels ?? {};
    const ok = options.pod.exitCode === 0;
    list(PODS(ns)).push({
      metadata: { name, namespace: ns, labels: { ...template, "batch.kubernetes.io/job-name": run.metadata!.name!, "batch.kubernetes.io/job-completion-index": "0" }, ownerReferences: [owner] },
      status: { phase: ok ? "Succeeded" : "Failed", containerStatuses: [{ name: "trainer", state: { terminated: { exitCode: options.pod.exitCode, reason: ok ? "Completed" : "Error" } } }] },
    });
    logs.set(name, options.pod.log);
    run.status = { conditions: [{ type: ok ? "Complete" : "Failed", status: "True", reason: ok ? undefined : "PodFailurePolicy", message: ok ? undefined : "Container trainer for pod " + ns + "/" + name + " failed with exit code " + options.pod.exitCode }] };
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      const body = text ? (JSON.parse(text) as Obj) : undefined;
      requests.push({ line: `${req.method} ${url.pathname}${url.search}`, at: Date.now(), body, contentType: req.headers["content-type"] });
      const json = (code: number, out: unknown) => {
        res.statusCode = code;
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify(out));
      };
      const status = (code: number, reason: string, message: string) => json(code, { kind: "Status", apiVersion: "v1", status: "Failure", reason, message, code });
      const p = url.pathname;
      const log = /^(.*\/pods)\/([^/]+)\/log$/.exec(p);
      if (req.method === "GET" && log) {
        const t = logs.get(decodeURIComponent(log[2]));
        if (t === undefined) return status(404, "NotFound", `pods "${log[2]}" not found`);
        res.setHeader("content-type", "text/plain");
        return res.end(t);
      }
      const single = /^(.*)\/([^/]+)$/.exec(p);
      if (req.method === "GET" && COLLECTION.test(p)) {
        return json(200, { kind: "List", metadata: {}, items: (store.get(p) ?? []).filter((o) => matches(o, url.searchParams.get("labelSelector"))) });
      }
      if (req.method === "GET" && single && COLLECTION.test(single[1])) {
        const found = (store.get(single[1]) ?? []).find((o) => o.metadata?.name === decodeURIComponent(single[2]));
        return found ? json(200, found) : status(404, "NotFound", `"${decodeURIComponent(single[2])}" not found`);
      }
      if (req.method === "POST" && COLLECTION.test(p) && body) {
        const name = body.metadata?.name;
        if (!name) return status(422, "Invalid", "metadata.name: Required value");
        if (list(p).some((o) => o.metadata?.name === name)) return status(409, "AlreadyExists", `"${name}" already exists`);
        const created: Obj = { ...body, metadata: { ...body.metadata, uid: `uid-${++uids}`, creationTimestamp: new Date().toISOString() } as Obj["metadata"] };
        list(p).push(created);
        controllers(p, created);
        return json(201, created);
      }
      if (req.method === "PATCH" && single && COLLECTION.test(single[1]) && body) {
        if (req.headers["content-type"] !== "application/apply-patch+yaml") return status(415, "UnsupportedMediaType", `the body of the request was in an unknown format`);
        if (!url.searchParams.get("fieldManager")) return status(422, "Invalid", "fieldManager: Required value: is required for apply patch");
        const items = list(single[1]);
        const at = items.findIndex((o) => o.metadata?.name === decodeURIComponent(single[2]));
        const applied: Obj = { ...body, metadata: { ...body.metadata, uid: at >= 0 ? items[at].metadata?.uid : `uid-${++uids}` } };
        if (at >= 0) items[at] = applied;
        else items.push(applied);
        return json(at >= 0 ? 200 : 201, applied);
      }
      return status(404, "NotFound", "the server could not find the requested resource");
    });
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as AddressInfo).port;
      const close = () =>
        new Promise<void>((r) => {
          server.close(() => r());
          server.closeAllConnections();
        });
      resolve({ port, kubeconfig: kubeconfigFor(port), requests, store, close });
    }),
  );
}
