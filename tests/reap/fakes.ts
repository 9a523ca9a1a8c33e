/** Fakes behind the reaper's seams, and a small world builder for its scenarios. */
import type { RawConfig } from "../../config/load";
import type { Leftover } from "../../reap/leftovers";
import { ReapOptions, ReapResult, reap } from "../../reap/run";
import type { Clock, DeployedStack, DestroyOptions, GpuJob, GpuJobSet, GpuNode, GpuPod, KubeConnector, KubeView, PulumiWorkspace, QueuedWorkload, StackResource, UpdateRecord } from "../../reap/types";
import { raw } from "../helpers/config";

export const NOW = new Date("2026-11-20T12:00:00Z");

export const minutesAgo = (m: number, from: Date = NOW) => new Date(from.getTime() - m * 60_000);

export class FakeClock implements Clock {
  constructor(public current: Date = NOW) {}
  now(): Date {
    return this.current;
  }
}

export interface ClusterState {
  pods?: GpuPod[];
  jobs?: GpuJob[];
  nodes?: GpuNode[];
  jobSets?: GpuJobSet[];
  workloads?: QueuedWorkload[];
  leftovers?: Leftover[];
}

/** Clusters by kubeconfig text; a state may be an Error (what connect or list throws). */
export class FakeKube implements KubeConnector {
  readonly connected: string[] = [];
  constructor(readonly clusters: Map<string, ClusterState | Error> = new Map()) {}

  async connect(kubeconfig: string): Promise<KubeView> {
    this.connected.push(kubeconfig);
    const state = this.clusters.get(kubeconfig);
    if (state === undefined) throw new Error(`unknown cluster for kubeconfig ${kubeconfig}`);
    const read = async <T>(pick: (s: ClusterState) => T[] | undefined): Promise<T[]> => {
      const now = this.clusters.get(kubeconfig)!;
      if (now instanceof Error) throw now;
      return pick(now) ?? [];
    };
    return {
      listGpuPods: () => read((s) => s.pods),
      listGpuJobs: () => read((s) => s.jobs),
      listGpuNodes: () => read((s) => s.nodes),
      listGpuJobSets: () => read((s) => s.jobSets),
      listWorkloads: () => read((s) => s.workloads),
      listLeftovers: () => read((s) => s.leftovers),
    };
  }
}

export interface FakeStack {
  deployed: DeployedStack;
  outputs?: Record<string, unknown> | Error;
  resources?: StackResource[] | Error;
  history?: UpdateRecord[] | Error;
  destroyError?: Error;
}

/** A Pulumi backend in memory; records every call, destroy in order. */
export class FakeWorkspace implements PulumiWorkspace {
  readonly calls: string[] = [];
  readonly destroyed: string[] = [];
  readonly destroyOptions: DestroyOptions[] = [];
  /** Called before each destroy (to change the world mid-run). */
  beforeDestroy?: (stack: string) => void;
  constructor(readonly stacks: Map<string, FakeStack> = new Map()) {}

  async listStacks(): Promise<DeployedStack[]> {
    this.calls.push("listStacks");
    return [...this.stacks.values()].map((s) => s.deployed);
  }
  async outputs(stack: string): Promise<Record<string, unknown>> {
    this.calls.push(`outputs ${stack}`);
    const o = this.get(stack).outputs ?? {};
    if (o instanceof Error) throw o;
    return o;
  }
  async resources(stack: string): Promise<StackResource[]> {
    this.calls.push(`resources ${stack}`);
    const r = this.get(stack).resources ?? [];
    if (r instanceof Error) throw r;
    return r;
  }
  async history(stack: string, count: number): Promise<UpdateRecord[]> {
    this.calls.push(`history ${stack}`);
    const h = this.get(stack).history ?? [];
    if (h instanceof Error) throw h;
    return h.slice(0, count);
  }
  async destroy(stack: string, options: DestroyOptions = {}): Promise<void> {
    this.calls.push(`destroy ${stack}`);
    this.destroyOptions.push(options);
    this.beforeDestroy?.(stack);
    const s = this.get(stack);
    if (s.destroyError) throw s.destroyError;
    this.destroyed.push(stack);
  }
  private get(stack: string): FakeStack {
    const s = this.stacks.get(stack);
    if (!s) throw new Error(`no stack ${stack}`);
    return s;
  }
}

export const T4 = { name: "t4", gpu: "t4", maxNodes: 2 };

export function gpuPod(name: string, phase: GpuPod["phase"], extra: Partial<GpuPod> = {}): GpuPod {
  return { namespace: "default", name, phase, gpus: 1, ...extra };
}

export function gpuJob(name: string, outcome: GpuJob["outcome"], finishedAt?: Date): GpuJob {
  return { namespace: "default", name, outcome, finishedAt };
}

/** A whole scenario: stack files, backend, clusters, clock. */
export class World {
  readonly configs = new Map<string, RawConfig>();
  readonly workspace = new FakeWorkspace();
  readonly kube = new FakeKube();
  readonly clock = new FakeClock();
  readonly output: string[] = [];

  /** A `mode: create` stack with a kubeconfig output and a cluster in `state`. */
  cluster(name: string, opts: { idle?: Record<string, unknown>; lastUpdate?: Date; state?: ClusterState | Error; resources?: StackResource[] | Error; outputs?: Record<string, unknown> | Error; updateInProgress?: boolean } = {}): this {
    this.configs.set(name, raw({ cluster: { mode: "create" }, nodePools: [T4], ...(opts.idle ? { idle: opts.idle } : {}) }, { "aws:region": "us-east-1" }));
    this.workspace.stacks.set(name, {
      deployed: { name, lastUpdate: opts.lastUpdate ?? minutesAgo(24 * 60), updateInProgress: opts.updateInProgress ?? false, resourceCount: 40 },
      outputs: opts.outputs ?? { kubeconfig: `kubeconfig-of-${name}`, clusterName: `${name}-eks` },
      resources: opts.resources ?? [],
    });
    this.kube.clusters.set(`kubeconfig-of-${name}`, opts.state ?? {});
    return this;
  }

  /** A `mode: reuse` experiment stack on `clusterStack`. */
  experiment(name: string, clusterStack: string, opts: { idle?: Record<string, unknown>; lastUpdate?: Date; resources?: StackResource[] | Error; updateInProgress?: boolean; file?: boolean } = {}): this {
    if (opts.file !== false) {
      this.configs.set(name, raw({ cluster: { mode: "reuse", stack: clusterStack }, experiment: { name, pool: "t4" }, ...(opts.idle ? { idle: opts.idle } : {}) }));
    }
    this.workspace.stacks.set(name, {
      deployed: { name, lastUpdate: opts.lastUpdate ?? minutesAgo(24 * 60), updateInProgress: opts.updateInProgress ?? false, resourceCount: 6 },
      outputs: { clusterStack },
      resources: opts.resources ?? [],
    });
    return this;
  }

  /** A `mode: existing` stack. */
  existing(name: string): this {
    this.configs.set(name, raw({ cluster: { mode: "existing", kubeconfigPath: "/tmp/lab.yaml" }, nodePools: [{ name: "rtx", gpu: "rtx4090", maxNodes: 1, driverVersion: "570.172.08" }] }));
    this.workspace.stacks.set(name, { deployed: { name, lastUpdate: minutesAgo(3 * 24 * 60), updateInProgress: false, resourceCount: 5 }, outputs: {}, resources: [] });
    return this;
  }

  async run(yes: boolean): Promise<ReapResult & { text: string }> {
    return this.runWith({ yes });
  }

  async runWith(options: ReapOptions): Promise<ReapResult & { text: string }> {
    const result = await reap(
      {
        project: "gpu-training-clusters",
        workspace: this.workspace,
        kube: this.kube,
        clock: this.clock,
        readStackConfig: (s) => this.configs.get(s),
        out: (t) => this.output.push(t),
      },
      options,
    );
    return { ...result, text: this.output.join("\n") };
  }
}

export function decisionOf(result: ReapResult, stack: string) {
  const d = result.plan.decisions.find((x) => x.stack === stack);
  if (!d) throw new Error(`no decision for ${stack}`);
  return d;
}

export function workload(name: string, state: QueuedWorkload["state"], extra: Partial<QueuedWorkload> = {}): QueuedWorkload {
  return { namespace: "default", name, state, ...extra };
}

export function gpuJobSet(name: string, outcome: GpuJobSet["outcome"], extra: Partial<GpuJobSet> = {}): GpuJobSet {
  return { namespace: "default", name, outcome, ...extra };
}
