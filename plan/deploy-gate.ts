/**
 * The gate that needs more than the stack file: the day's Kubernetes support rule and the account
 * facts. Pure (facts and clock are arguments, given to the program by its caller: program.ts
 * ProgramEnv), so it is unit-tested with hostile answers and a fixed date; program.ts awaits the
 * facts and calls it before the first resource.
 */
import { SupportVerdict, VERSION_SUPPORT, VERSION_TABLE, checkVersionSupport, utcDay } from "../catalog/kubernetes-versions";
import type { Problem } from "../config/errors";
import type { StackSpec } from "../config/spec";
import { AccountDecision, AccountFacts, accountRules } from "./account";
import { ApiDecision, ClusterVersionFact, apiRules } from "./api-facts";
import type { SourceAccountDecision } from "../config/sources/kind";
import type { Plan } from "./plan";

/** What the deploy-time gate decided: the version rule, the account's zones and quotas, FSx access. */
export interface DeployGate {
  readonly decision: DeployDecision;
  /** What the account says of the experiment's volume sources (config/sources/, `account`); none without volumes. */
  readonly sources?: SourceAccountDecision;
}

/**
 * Who answered the account lookups: the account (`pulumi preview`/`up`), or the offline plan's
 * stand-ins (tools/mocks.ts), whose dated tables may have aged past the day it runs on.
 */
export type FactsSource = "account" | "offline";

export interface DeployDecision {
  /** The day the rules ran for (UTC). */
  readonly checkedOn: string;
  readonly kubernetes?: SupportVerdict;
  readonly account?: AccountDecision;
  /** What the EC2 and EKS APIs said of the pools, spot prices and add-ons. */
  readonly api?: ApiDecision;
  /** Whose support dates the version rule used: EKS's (aws.eks.getClusterVersions) or the dated table's. */
  readonly versionDates?: "eks" | "table";
  /** The ingress the stack adds so its nodes reach the volume sources (FSx's Lustre ports). */
  readonly sourceIngress?: SourceAccountDecision["ingress"];
  /** Who answered the lookups; undefined where the stack needs none (existing). */
  readonly factsSource?: FactsSource;
  readonly problems: readonly Problem[];
  readonly warnings: readonly string[];
}

/**
 * The version rule's verdict as a warning of the offline plan: its table is dated, so on a later
 * day it may say a version has left support when the table is only stale. The offline plan still
 * plans; `pulumi preview` applies the rule.
 */
export function staleTableWarning(problem: string, today: string): string {
  return (
    `${problem} [offline plan on ${today}: this comes from the dated table ${VERSION_TABLE.file} (checked ${VERSION_TABLE.checked}); ` +
    `\`pulumi preview\` refuses the stack on it. If EKS has published newer versions, refresh the table and its default from ${VERSION_TABLE.source}]`
  );
}

/**
 * `standIns`: config paths whose value is a stand-in for one the configuration phases refused
 * (config/load.ts StackCollection); a rule about such a value would be about a value the user
 * never wrote, so it is skipped.
 */
export function deployDecision(
  spec: StackSpec,
  plan: Plan,
  facts: AccountFacts | undefined,
  env: { readonly now: Date; readonly facts: FactsSource },
  standIns: ReadonlySet<string> = new Set(),
): DeployDecision {
  const problems: Problem[] = [];
  const warnings: string[] = [];
  const today = utcDay(env.now);
  let kubernetes: SupportVerdict | undefined;
  let versionDates: "eks" | "table" | undefined;
  const versionGiven = !["cluster", "cluster.kubernetesVersion", "cluster.supportType"].some((p) => standIns.has(p));
  if (spec.cluster.mode === "create" && versionGiven) {
    const version = spec.cluster.kubernetesVersion;
    // At preview EKS's own dates judge; the table is the offline cache (and the fallback when EKS cannot be asked).
    const eks = env.facts === "account" ? eksDates(facts?.api?.clusterVersion) : undefined;
    if (env.facts === "account" && facts?.api && !eks) {
      warnings.push(`EKS gave no support dates for Kubernetes ${version} (aws.eks.getClusterVersions failed or did not list it): the dated table ${VERSION_TABLE.file} (checked ${VERSION_TABLE.checked}) judges instead`);
    }
    if (eks) {
      const table = VERSION_SUPPORT[version];
      if (table.endOfStandardSupport !== eks.endOfStandardSupport || table.endOfExtendedSupport !== eks.endOfExtendedSupport) {
        warnings.push(
          `EKS says Kubernetes ${version} leaves standard support on ${eks.endOfStandardSupport} and extended support on ${eks.endOfExtendedSupport}; ` +
            `the table ${VERSION_TABLE.file} (checked ${VERSION_TABLE.checked}) says ${table.endOfStandardSupport} and ${table.endOfExtendedSupport}. EKS's dates apply; refresh the table from ${VERSION_TABLE.source}`,
        );
      }
    }
    versionDates = eks ? "eks" : "table";
    kubernetes = checkVersionSupport(version, spec.cluster.supportType, env.now, eks);
    if (env.facts === "offline") warnings.push(...kubernetes.problems.map((p) => staleTableWarning(p, today)));
    else problems.push(...kubernetes.problems.map((message) => ({ path: "cluster.kubernetesVersion", message })));
    warnings.push(...kubernetes.warnings);
  }
  const account = facts ? accountRules(spec, plan, facts, { network: !standIns.has("cluster.vpc") }) : undefined;
  if (account) {
    problems.push(...account.problems);
    warnings.push(...account.warnings);
  }
  const api = facts?.api ? apiRules(spec, plan, facts.api, facts.region, { version: versionGiven }) : undefined;
  if (api) {
    problems.push(...api.problems);
    warnings.push(...api.warnings);
  }
  return { checkedOn: today, kubernetes, versionDates, account, api, factsSource: facts ? env.facts : undefined, problems, warnings };
}

/** EKS's dates for the version, when the answer has both. */
function eksDates(v: ClusterVersionFact | undefined): { endOfStandardSupport: string; endOfExtendedSupport: string } | undefined {
  return v?.endOfStandardSupport && v.endOfExtendedSupport ? { endOfStandardSupport: v.endOfStandardSupport, endOfExtendedSupport: v.endOfExtendedSupport } : undefined;
}

/** The deploy section of the plan text. */
export function renderDeploy(d: DeployDecision | undefined): string[] {
  if (!d) return [];
  const lines: string[] = [];
  if (d.kubernetes) {
    const k = d.kubernetes;
    lines.push(
      k.phase === "ended"
        ? `Kubernetes ${k.version}, support type ${k.supportType}: EKS support ended on ${k.endDate} (checked ${d.checkedOn}); \`pulumi preview\` refuses it`
        : k.phase === "extended" && k.supportType === "STANDARD"
          ? `Kubernetes ${k.version}, support type STANDARD: standard support ended on ${k.endOfStandardSupport} (checked ${d.checkedOn}); \`pulumi preview\` refuses it with STANDARD`
          : `Kubernetes ${k.version}, support type ${k.supportType}: ${k.phase} support until ${k.endDate} (control plane $${k.controlPlanePerHour.toFixed(2)}/h; checked ${d.checkedOn})`,
    );
  }
  const a = d.account;
  if (a) {
    lines.push(`account facts${d.factsSource === "offline" ? " (offline answers of tools/mocks.ts; `pulumi preview` checks them against the real account)" : ""}:`);
    const zone = (z: { name: string; id?: string }) => (z.id ? `${z.name} (${z.id})` : z.name);
    const c = a.cluster;
    if (c) {
      const pools = Object.entries(c.pools ?? {}).map(([n, p]) => `${n} ${p.instanceType} ${p.capacity} maxNodes ${p.maxNodes}`);
      lines.push(
        `  cluster of stack ${c.stack} (its outputs): region ${c.region ?? "not exported"}, VPC ${c.vpcId ?? "not exported"}, cluster security group ${c.clusterSecurityGroupId ?? "not exported"}; pools: ${pools.join(", ") || "not exported"}`,
      );
    } else {
      lines.push(`  zones: ${a.zones.map(zone).join(", ") || "not read (the VPC takes the region's first zones at deploy time)"}${a.refusedZones.length ? `; skipped, EKS refuses: ${a.refusedZones.map(zone).join(", ")}` : ""}`);
    }
    if (a.subnetIds) lines.push(`  existing VPC subnets: ${a.subnetIds.join(", ")}`);
    for (const [pool, idx] of Object.entries(a.poolPlacements)) {
      lines.push(`  pool ${pool}: ${idx.map((i) => (a.subnetIds ? `${a.subnetIds[i]} in ${zone(a.zones[i])}` : zone(a.zones[i]))).join(", ")}`);
    }
    for (const q of a.quotas) {
      lines.push(`  quota ${q.name} (${q.code}): ${q.quota ?? "unknown"} vCPUs; experiment needs ${q.experimentVcpus}, pools at maxNodes ${q.poolsMaxVcpus}`);
    }
  }
  for (const r of d.sourceIngress ?? []) {
    const ports = `TCP ${r.fromPort === r.toPort ? r.fromPort : `${r.fromPort}-${r.toPort}`} (${r.description})`;
    lines.push(r.toNodes ? `volume access: opens ${ports} of the cluster's nodes to ${r.securityGroupId}, a rule of this stack` : `volume access: opens ${ports} of ${r.securityGroupId} to the cluster's nodes, a rule of this stack`);
  }
  if (d.api && d.api.lines.length > 0) {
    lines.push(`what the EC2 and EKS APIs say${d.factsSource === "offline" ? " (offline answers of tools/mocks.ts, drawn from the catalog; `pulumi preview` asks the APIs)" : ""}:`);
    lines.push(...d.api.lines);
  }
  for (const w of d.warnings) lines.push(`WARN ${w}`);
  return lines;
}
