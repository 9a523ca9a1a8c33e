/** A secretEnv variable referenced as $(NAME) in the script's arguments ends up on the command line: the plan warns. */
import { planWarnings } from "../plan/warnings";
import { loadStack } from "./helpers/experiment";

describe("secret values in the script's arguments", () => {
  it("warns for each $(NAME) of a secretEnv variable, naming the argument, and for nothing else", () => {
    const { spec, plan } = loadStack("t4-smoke");
    const experiment = { ...spec.experiment!, secretEnv: ["HF_TOKEN"], args: ["--token=$(HF_TOKEN)", "--lr=$(LR)", "HF_TOKEN"] };
    const warnings = planWarnings({ ...spec, experiment }, plan.pools).filter((w) => w.startsWith("experiment.args"));
    expect(warnings).toEqual([
      "experiment.args[0]: $(HF_TOKEN) puts the secret into the container's command line, readable by setup commands and in the pod spec's expansion; read the environment variable HF_TOKEN in the script instead",
    ]);
  });
});
