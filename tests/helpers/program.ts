/**
 * Runs index.ts the way the Pulumi CLI does (setMocks, setAllConfig, require, await the exported
 * promise) with account answers a test chooses, on top of the offline plan's mocks.
 */
import * as pulumi from "@pulumi/pulumi";
import { RecordedResource, createMocks } from "../../tools/mocks";
import { entry } from "../../program";
import { TEST_NOW } from "./clock";

export type CallAnswer = (token: string, inputs: Record<string, any>) => Record<string, unknown> | undefined;

export interface ProgramRun {
  readonly resources: readonly RecordedResource[];
  readonly outputs?: Record<string, unknown>;
  /** `type::name` → the additionalSecretOutputs the program asked the engine for. */
  readonly secretOutputs: Readonly<Record<string, readonly string[]>>;
  /** `type::name` → the replacement options the program gave the engine (the mocks never see them). */
  readonly replaceOptions: Readonly<Record<string, { readonly deleteBeforeReplace: boolean; readonly replaceOnChanges: readonly string[]; readonly deleteTimeout: string }>>;
  readonly error?: Error & { problems?: { path: string; message: string }[] };
}

/** `config`: stack config as plain objects under the project namespace, plus `aws:*` keys verbatim. */
/** `preview`: run as `pulumi preview` does (outputs the answers leave out are unknown); `onResource` may answer a registration or read itself. */
export interface RunOptions {
  readonly preview?: boolean;
  /** The program's clock. @default TEST_NOW */
  readonly now?: Date;
  readonly onResource?: (args: { type: string; name: string; id?: string; inputs: Record<string, unknown> }) => { id: string; state: Record<string, unknown> } | undefined;
}

export async function runProgram(config: Record<string, unknown>, answer: CallAnswer = () => undefined, stack = "acct", options: RunOptions = {}): Promise<ProgramRun> {
  // One copy of the SDK per test file: setMocks resets the runtime (see ./plan.ts).
  const base = createMocks({ region: String(config["aws:region"] ?? "us-east-1") });
  const mocks = {
    newResource: (args: { type: string; name: string; id?: string; inputs: Record<string, unknown> }) => options.onResource?.(args) ?? base.newResource(args as never),
    call: (args: { token: string; inputs: Record<string, any> }) => answer(args.token, args.inputs) ?? base.call(args as never),
  };
  await pulumi.runtime.setMocks(mocks as never, "gpu-training-clusters", stack, options.preview ?? false);
  // The engine, not the SDK, applies additionalSecretOutputs: record what each registration asks for.
  const secretOutputs: Record<string, string[]> = {};
  const replaceOptions: Record<string, { deleteBeforeReplace: boolean; replaceOnChanges: string[]; deleteTimeout: string }> = {};
  const monitor = (pulumi.runtime as unknown as { getMonitor(): any }).getMonitor();
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req: any, callback: unknown) => {
    const list = req.getAdditionalsecretoutputsList() as string[];
    if (list.length > 0) secretOutputs[`${req.getType()}::${req.getName()}`] = list;
    replaceOptions[`${req.getType()}::${req.getName()}`] = {
      deleteBeforeReplace: req.getDeletebeforereplace(),
      replaceOnChanges: req.getReplaceonchangesList(),
      deleteTimeout: req.getCustomtimeouts()?.getDelete() ?? "",
    };
    return register(req, callback);
  };
  const raw: Record<string, string> = {};
  for (const [k, v] of Object.entries(config)) raw[k.includes(":") ? k : `gpu-training-clusters:${k}`] = typeof v === "string" ? v : JSON.stringify(v);
  pulumi.runtime.setAllConfig(raw);
  const exported = entry({ now: options.now ?? TEST_NOW, facts: "account" });
  let outputs: Record<string, unknown> | undefined;
  let error: ProgramRun["error"];
  try {
    outputs = (await (exported as Promise<Record<string, unknown>>)) ?? {};
  } catch (e) {
    error = e as ProgramRun["error"];
  }
  // Registrations are RPCs: wait for every one before reading what was registered.
  await pulumi.runtime.disconnect();
  return { resources: base.resources, outputs, error, secretOutputs, replaceOptions };
}
