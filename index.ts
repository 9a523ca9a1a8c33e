// Entry point of `pulumi up` and of the offline plan (tools/plan.ts): all logic lives in program.ts.
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "./config/errors";
import { run } from "./program";

function main(): Record<string, unknown> {
  try {
    return run();
  } catch (e) {
    // RunError makes Pulumi print the message alone: no stack trace for a configuration problem.
    if (e instanceof ConfigError) throw new pulumi.RunError(e.message);
    throw e;
  }
}

export = main();
