// Entry point of `pulumi up` and `pulumi preview`: all logic lives in program.ts. The program is
// async (account facts are looked up before the first resource); Pulumi awaits the exported promise
// and takes its value as the stack outputs. This is the one place the program reads the clock.
import { entry } from "./program";

export = entry({ now: new Date(), facts: "account" });
