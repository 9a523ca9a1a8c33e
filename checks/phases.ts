/**
 * Every check a stack gets before anything is created, as one ordered list of phases. Each phase
 * is a function from what the earlier ones found to its own problems; it runs even when an
 * earlier phase failed, on the stand-ins that phase left (the parts of the stack that parsed, a
 * plan of the pools that did), and skips only what a failure makes meaningless. So every problem
 * comes out in one round, and no check runs twice.
 *
 *   schema         the namespace's keys, each part against its zod schema       config/load.ts parseStack
 *   rules          cross-field and API rules, the StackSpec                      config/load.ts ruleStack
 *   plan rules     the compatibility gate, network, /dev/shm, queue fit          plan/plan.ts planStack, k8s/queue-fit.ts
 *   workdir files  the files `experiment.workdir` ships                         workdir/archive.ts
 *   account facts  the Kubernetes support dates, zones, offerings, quotas       plan/deploy-gate.ts, plan/account.ts
 *   volume sources what the account says of the volumes (FSx)                  config/sources/
 *
 * The first four need the stack file alone (the offline tools run them); the last two read the
 * account, through lookups the program hands in (components/aws/account-facts.ts).
 */
import type { Problem } from "../config/errors";
import { LoadContext, ParsedStack, RawConfig, StackCollection, parseStack, ruleStack } from "../config/load";
import { SourceFacts, VolumeSource, sourceAccountRules, sourceUses } from "../config/sources";
import type { SourceAccountDecision, SourceNetwork, SourceUse } from "../config/sources/kind";
import type { StackSpec } from "../config/spec";
import { queueFitProblems } from "../k8s/queue-fit";
import type { AccountFacts } from "../plan/account";
import { DeployDecision, FactsSource, deployDecision } from "../plan/deploy-gate";
import { Plan, planStack } from "../plan/plan";
import { WorkdirArchive, packExperimentWorkdir, readWorkdirText } from "../workdir/archive";
import { requirementFiles, torchPinNotes, torchPinsInRequirements, withTorchPinNotes } from "../plan/torch-pins";

export interface CheckInput {
  readonly raw: RawConfig;
  readonly load: LoadContext;
  /** The directory a relative `experiment.workdir` is resolved against. */
  readonly projectDir: string;
}

/** What the account phases need: the day, and who answers the lookups. */
export interface AccountAccess {
  readonly env: { readonly now: Date; readonly facts: FactsSource };
  readonly accountFacts: (spec: StackSpec, plan: Plan) => Promise<AccountFacts | undefined>;
  readonly sourceFacts: (stack: string, uses: readonly SourceUse<VolumeSource>[], nodesSecurityGroupId?: string) => Promise<SourceFacts>;
}

/** What the phases found, as far as each could go. */
export interface Findings {
  parsed?: ParsedStack;
  collected?: StackCollection;
  plan?: Plan;
  archive?: WorkdirArchive;
  decision?: DeployDecision;
  sources?: SourceAccountDecision;
  /** Deploy-time warnings (the plan's own are in plan.warnings). */
  readonly warnings: string[];
}

/** A phase that needs the stack file alone, or one that reads the account. */
export type Phase =
  | { readonly name: string; readonly needs: "stack"; run(input: CheckInput, found: Findings): Problem[] }
  | { readonly name: string; readonly needs: "account"; run(input: CheckInput, found: Findings, access: AccountAccess): Promise<Problem[]> };

export const PHASES: readonly Phase[] = [
  {
    name: "schema",
    needs: "stack",
    run: (input, found) => {
      const { parsed, problems } = parseStack(input.raw);
      found.parsed = parsed;
      return problems;
    },
  },
  {
    name: "rules",
    needs: "stack",
    run: (input, found) => {
      if (!found.parsed) return [];
      found.collected = ruleStack(found.parsed, input.load);
      return found.collected.problems as Problem[];
    },
  },
  {
    name: "plan rules",
    needs: "stack",
    run: (_, found) => {
      const c = found.collected;
      if (!c?.spec) return [];
      const { plan, problems } = planStack(c.spec, c);
      found.plan = plan;
      // A run Kueue could never admit: meaningful only when the experiment's sizes parsed.
      return c.gateable && c.shmParsed ? [...problems, ...queueFitProblems(c.spec, plan)] : problems;
    },
  },
  {
    name: "workdir files",
    needs: "stack",
    run: (input, found) => {
      // The experiment as parsed, even when it did not resolve (its pool or image failed).
      const e = found.parsed?.input.experiment;
      if (!e?.value || e.failed.has("workdir") || e.failed.has("script")) return [];
      const packed = packExperimentWorkdir(e.value, input.projectDir);
      found.archive = packed.archive;
      // A torch pinned in a requirements file the setup installs: a line on the gate's verdict.
      const spec = found.collected?.spec?.experiment;
      if (found.plan && spec && e.value.workdir && !e.failed.has("setup")) {
        const pins = requirementFiles(spec.setup).flatMap((file) => {
          const text = readWorkdirText(input.projectDir, e.value!.workdir!, file);
          return text === undefined ? [] : torchPinsInRequirements(file, text).map((p) => ({ ...p, where: `${p.where} of the workdir` }));
        });
        found.plan = { ...found.plan, verdicts: withTorchPinNotes(found.plan.verdicts, torchPinNotes(pins, spec.image)) };
      }
      return packed.problems;
    },
  },
  {
    name: "account facts",
    needs: "account",
    run: async (_, found, access) => {
      const c = found.collected;
      if (!c?.spec || !found.plan) return [];
      // Every lookup is regional: with a refused region there is nothing to ask.
      const facts = c.standIns.has("aws:region") ? undefined : await access.accountFacts(c.spec, found.plan);
      const decision = deployDecision(c.spec, found.plan, facts, access.env, c.standIns);
      found.decision = decision;
      found.warnings.push(...decision.warnings);
      return [...decision.problems];
    },
  },
  {
    name: "volume sources",
    needs: "account",
    run: async (_, found, access) => {
      const c = found.collected;
      // The experiment's volumes as parsed, even when the experiment did not resolve (its pool or image failed).
      const e = found.parsed?.input.experiment;
      if (!c?.spec || c.spec.cluster.mode === "existing" || !e?.value || c.standIns.has("aws:region")) return [];
      const uses = sourceUses({ datasets: e.failed.has("datasets") ? [] : e.value.datasets, output: e.failed.has("output") ? undefined : e.value.output });
      if (uses.length === 0) return [];
      // A reused cluster's nodes are where its stack says (its exports, read by the account phase).
      const exports = found.decision?.account?.cluster;
      const network: SourceNetwork =
        c.spec.cluster.mode === "reuse"
          ? { vpcId: exports?.vpcId, known: exports?.vpcId !== undefined, reused: { stack: c.spec.cluster.stack, securityGroupId: exports?.clusterSecurityGroupId } }
          : { vpcId: c.spec.cluster.vpc?.id, known: !c.standIns.has("cluster.vpc") };
      const decision = sourceAccountRules(uses, await access.sourceFacts(c.spec.stack, uses, network.reused?.securityGroupId), network);
      found.sources = decision;
      found.warnings.push(...decision.warnings);
      return [...decision.problems];
    },
  },
];
