/**
 * Read-only GETs against one cluster, with the real @kubernetes/client-node KubeConfig doing
 * what a kubeconfig asks (server, CA or insecure-skip-tls-verify, token, client certificate,
 * exec credential plugins such as `aws eks get-token`). Requests go out as plain HTTP(S) GETs on
 * the options the client computes (KubeConfig.applyToHTTPSOptions), because `npm run status`
 * needs three things the generated API classes do not give: custom resources' subresources
 * (Kueue's pendingworkloads), a pod log read as text whatever Content-Type a server sends, and a
 * streamed log for --follow. The client is ESM-only while this project compiles to CommonJS, so
 * it is loaded with a real dynamic import() at run time, as reap/kube.ts does.
 */
import * as http from "http";
import type * as net from "net";
import * as https from "https";
import { KubeAccessError } from "../reap/types";

type ClientModule = typeof import("@kubernetes/client-node");
const importEsm = new Function("specifier", "return import(specifier)") as (specifier: string) => Promise<ClientModule>;

/** Long enough for a slow API server, short enough that a dead address fails while the user waits. */
export const STATUS_TIMEOUT_MS = 20_000;

/** A GET that the server answered with a status other than 2xx. */
export class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    readonly path: string,
    message: string,
  ) {
    super(message);
    this.name = "HttpStatusError";
  }
}

export interface KubeGetter {
  /** The API server's URL, for messages. */
  readonly server: string;
  /** GET a JSON document; throws HttpStatusError for a non-2xx answer, KubeAccessError when unreachable. */
  getJson<T = unknown>(path: string, query?: Readonly<Record<string, string | number | undefined>>): Promise<T>;
  /** GET a text document (a pod log). */
  getText(path: string, query?: Readonly<Record<string, string | number | undefined>>): Promise<string>;
  /** GET and copy the body to `sink` until the server ends it (a followed log). */
  stream(path: string, query: Readonly<Record<string, string | number | undefined>>, sink: NodeJS.WritableStream): Promise<void>;
}

/** A KubeGetter that also writes: what `npm run exec` needs to submit a run. */
export interface KubeClient extends KubeGetter {
  /** POST an object to a collection; throws HttpStatusError for a non-2xx answer (409: it exists). */
  create<T = unknown>(path: string, body: object): Promise<T>;
  /** The websocket APIs (exec, port-forward) against the same cluster and credentials. */
  readonly interactive?: InteractiveApi;
  /**
   * Server-side apply of an object at its own path, as `kubectl apply --server-side` does: PATCH with
   * Content-Type application/apply-patch+yaml (JSON is YAML) and a fieldManager
   * (https://kubernetes.io/docs/reference/using-api/server-side-apply/).
   */
  apply<T = unknown>(path: string, body: object, fieldManager: string): Promise<T>;
}

/**
 * The websocket APIs `npm run dev` uses, through the client's own classes: a command in a
 * container with this terminal attached (Exec: the pods/exec subresource, as `kubectl exec -it`)
 * and one connection to a pod's port (PortForward: pods/portforward, as `kubectl port-forward`).
 */
export interface InteractiveApi {
  /** Resolves with the command's exit status when it ends. */
  exec(namespace: string, pod: string, container: string, command: readonly string[], tty: boolean): Promise<number>;
  portForward(namespace: string, pod: string, port: number, socket: net.Socket): Promise<void>;
}

export interface KubeconfigSource {
  /** The kubeconfig's text (YAML or JSON), for one that is not a file (a stack output). */
  readonly text?: string;
  /**
   * Kubeconfig files, merged as kubectl merges $KUBECONFIG (the first file's current context
   * wins). Loaded with KubeConfig.loadFromFile, which resolves relative certificate paths against
   * the file's own folder, as kubectl does.
   */
  readonly files?: readonly string[];
  /** A context to use instead of the current one. */
  readonly context?: string;
  /** Where it came from, for messages. */
  readonly origin: string;
}

export async function connectKube(source: KubeconfigSource): Promise<KubeClient> {
  const k8s = await importEsm("@kubernetes/client-node");
  const kc = new k8s.KubeConfig();
  let server: string;
  try {
    const [first, ...rest] = source.files ?? [];
    if (first !== undefined) {
      kc.loadFromFile(first);
      for (const file of rest) {
        const more = new k8s.KubeConfig();
        more.loadFromFile(file);
        kc.mergeConfig(more, true);
      }
    } else {
      kc.loadFromString(source.text ?? "");
    }
    if (source.context) {
      if (!kc.getContextObject(source.context)) {
        throw new Error(`it has no context "${source.context}" (contexts: ${kc.getContexts().map((c) => c.name).join(", ") || "none"})`);
      }
      kc.setCurrentContext(source.context);
    }
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error("it names no current cluster");
    server = cluster.server.replace(/\/+$/, "");
    if (new URL(server).protocol === "http:" && !cluster.skipTLSVerify) {
      // client-node 1.4.0 refuses a plain http:// server unless insecure-skip-tls-verify is set
      // (KubeConfig.createAgent: "HTTP protocol is not allowed when skipTLSVerify is not set or
      // false"); kubectl talks to it (a local proxy, a stand-in server). Plain HTTP has no TLS to
      // verify, so the flag changes nothing else.
      kc.clusters = kc.clusters.map((c) => (c === cluster ? { ...c, skipTLSVerify: true } : c));
    }
  } catch (e) {
    throw new KubeAccessError("invalid-kubeconfig", `the kubeconfig ${source.origin} cannot be used: ${firstLine(e)}`);
  }

  async function request(
    path: string,
    query: Readonly<Record<string, string | number | undefined>> | undefined,
    accept: string,
    write?: { readonly method: "POST" | "PATCH"; readonly contentType: string; readonly body: string },
  ): Promise<http.IncomingMessage> {
    const url = new URL(server + path);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = { Accept: accept };
    if (write) Object.assign(headers, { "Content-Type": write.contentType, "Content-Length": String(Buffer.byteLength(write.body)) });
    const opts: https.RequestOptions = { method: write?.method ?? "GET", headers };
    try {
      await kc.applyToHTTPSOptions(opts);
    } catch (e) {
      throw credentialError(e, server, source.origin, kc.getCurrentUser());
    }
    const plain = url.protocol === "http:";
    // The agent the client builds is an https.Agent (it carries the CA and client certificate);
    // a plain-HTTP server (a local proxy, a test server) takes none.
    if (plain) delete opts.agent;
    return new Promise((resolve, reject) => {
      const req = (plain ? http : https).request(url, opts, resolve);
      req.setTimeout(STATUS_TIMEOUT_MS, () => req.destroy(Object.assign(new Error(`no answer within ${STATUS_TIMEOUT_MS / 1000} s`), { code: "ETIMEDOUT" })));
      req.on("error", (e) => reject(new KubeAccessError("unreachable", `cannot reach the cluster at ${server}: ${firstLine(e)}`)));
      req.end(write?.body);
    });
  }

  async function body(res: http.IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const chunk of res) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString("utf8");
  }

  async function checked(path: string, res: http.IncomingMessage, method = "GET"): Promise<http.IncomingMessage> {
    const status = res.statusCode ?? 0;
    if (status >= 200 && status < 300) return res;
    const text = await body(res);
    let message = text.trim().split("\n")[0].slice(0, 300);
    try {
      message = (JSON.parse(text) as { message?: string }).message ?? message;
    } catch {
      // not a Status object
    }
    if (status === 401) throw new KubeAccessError("unauthorized", `${server} rejected the credentials (401) for ${method} ${path}: the kubeconfig's user needs valid credentials (EKS: AWS credentials of a principal with an access entry)`);
    if (status === 403) throw new KubeAccessError("forbidden", `permission denied (403) for ${method} ${path} on ${server}: ${message || "forbidden"}`);
    throw new HttpStatusError(status, path, `${method} ${path} on ${server}: HTTP ${status}${message ? `: ${message}` : ""}`);
  }

  async function send<T>(method: "POST" | "PATCH", path: string, query: Readonly<Record<string, string>>, contentType: string, object: object): Promise<T> {
    const res = await checked(path, await request(path, query, "application/json", { method, contentType, body: JSON.stringify(object) }), method);
    const text = await body(res);
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new HttpStatusError(res.statusCode ?? 0, path, `${method} ${path} on ${server}: the answer is not JSON`);
    }
  }

  const interactive: InteractiveApi = {
    exec: (namespace, pod, container, command, tty) =>
      new Promise<number>((resolve, reject) => {
        // The status message of the exec protocol carries the exit code (reason ExitCode) when non-zero.
        const done = (status: { status?: string; details?: { causes?: { reason?: string; message?: string }[] } }) =>
          resolve(status.status === "Success" ? 0 : Number(status.details?.causes?.find((c) => c.reason === "ExitCode")?.message ?? 1));
        new k8s.Exec(kc).exec(namespace, pod, container, [...command], process.stdout, process.stderr, process.stdin, tty, done).then((ws) => ws.on("close", () => resolve(0)), reject);
      }),
    portForward: async (namespace, pod, port, socket) => {
      await new k8s.PortForward(kc).portForward(namespace, pod, [port], socket, null, socket);
    },
  };

  return {
    server,
    interactive,
    create: <T>(path: string, object: object) => send<T>("POST", path, {}, "application/json", object),
    apply: <T>(path: string, object: object, fieldManager: string) =>
      send<T>("PATCH", path, { fieldManager, force: "true" }, "application/apply-patch+yaml", object),
    async getJson<T>(path: string, query?: Readonly<Record<string, string | number | undefined>>): Promise<T> {
      const res = await checked(path, await request(path, query, "application/json"));
      const text = await body(res);
      try {
        return JSON.parse(text) as T;
      } catch {
        throw new HttpStatusError(res.statusCode ?? 0, path, `GET ${path} on ${server}: the answer is not JSON`);
      }
    },
    async getText(path: string, query?: Readonly<Record<string, string | number | undefined>>): Promise<string> {
      return body(await checked(path, await request(path, query, "text/plain, */*")));
    },
    async stream(path: string, query: Readonly<Record<string, string | number | undefined>>, sink: NodeJS.WritableStream): Promise<void> {
      const res = await checked(path, await request(path, query, "text/plain, */*"));
      // No timeout while following: a quiet trainer is not a dead server.
      res.socket?.setTimeout(0);
      try {
        for await (const chunk of res) sink.write(chunk as Buffer);
      } catch (e) {
        // The connection dropped mid-log (API server restart, network, node gone): one line.
        throw new KubeAccessError("unreachable", `the log stream from ${server} broke off: ${firstLine(e)}`);
      }
    },
  };
}

/**
 * A failure while preparing a request, as one line that says what to fix: a credential plugin
 * (e.g. `aws` not installed) where the user has one, otherwise the kubeconfig itself (a
 * certificate file that cannot be read, ...), which is not a credentials problem.
 */
function credentialError(e: unknown, server: string, origin: string, user: { exec?: unknown; authProvider?: unknown } | null): KubeAccessError {
  const text = `${firstLine(e)} ${String((e as { cause?: unknown })?.cause ?? "")}`.trim();
  if (!user?.exec && !user?.authProvider) {
    return new KubeAccessError("invalid-kubeconfig", `the kubeconfig ${origin} cannot be used for ${server}: ${text}`);
  }
  const missing = /spawn (\S+) ENOENT/.exec(text);
  if (missing) {
    return new KubeAccessError("unauthorized", `cannot get credentials for ${server}: the kubeconfig's credential command \`${missing[1]}\` is not installed (EKS kubeconfigs run \`aws eks get-token\`)`);
  }
  return new KubeAccessError("unauthorized", `cannot get credentials for ${server}: ${text}`);
}

export function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).trim().split("\n")[0];
}
