// Entry point of `pulumi up` and of the offline plan (tools/plan.ts): all logic lives in program.ts.
// The program is async (account facts are looked up before the first resource); Pulumi awaits the
// exported promise and takes its value as the stack outputs.
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "./config/errors";
import { run } from "./program";

async function main(): Promise<Record<string, unknown>> {
  try {
    return await run();
  } catch (e) {
    // RunError makes Pulumi print the message alone: no stack trace for a configuration problem.
    // The problems ride along so the offline plan can report them as a ConfigError again.
    if (e instanceof ConfigError) throw Object.assign(new pulumi.RunError(e.message), { problems: e.problems, heading: e.heading });
    throw e;
  }
}

export = main();
