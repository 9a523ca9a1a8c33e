/**
 * Container logs in CloudWatch: the add-on's configuration (the chart's Fluent Bit file with the
 * retention on its output), the plan line, the retention setting's errors, and the resources a
 * create-mode stack gets (through the program under mocks).
 */
import * as fs from "fs";
import { APPLICATION_LOG_CONF } from "../../components/aws/container-logs";
import { containerLogsValues, withRetention } from "../../components/aws/builders/container-logs";
import { buildPlan } from "../../plan/plan";
import { renderPlan } from "../../plan/render";
import { load, problemsOf } from "../helpers/config";

const CONF = fs.readFileSync(APPLICATION_LOG_CONF, "utf8");

describe("container logs in CloudWatch", () => {
  it("adds log_retention_days to the CloudWatch output only, aligned with its neighbours", () => {
    const conf = withRetention(CONF, 30);
    expect(conf).toContain("  auto_create_group   true\n  log_retention_days  30\n  extra_user_agent    container-insights");
    expect(conf.split("\n")).toHaveLength(CONF.split("\n").length + 1);
    expect(() => withRetention("[OUTPUT]\n  Name cloudwatch_logs\n", 30)).toThrow(/auto_create_group/);
  });

  it("replaces only the chart's application-log.conf in the add-on's values", () => {
    const values = containerLogsValues(CONF, 90) as { containerLogs: { enabled: boolean; fluentBit: { config: { extraFiles: Record<string, string> } } } };
    expect(values.containerLogs.enabled).toBe(true);
    expect(Object.keys(values.containerLogs.fluentBit.config.extraFiles)).toEqual(["application-log.conf"]);
    expect(values.containerLogs.fluentBit.config.extraFiles["application-log.conf"]).toMatch(/log_retention_days\s+90\n/);
  });

  it("the plan says where logs go and for how long, by default 30 days", () => {
    const on = buildPlan(load({ nodePools: [{ name: "t4", gpu: "t4" }] }));
    expect(renderPlan(on)).toContain("logs: container logs to CloudWatch Logs (/aws/containerinsights/<cluster>/application) by the EKS add-on amazon-cloudwatch-observability v6.7.0-eksbuild.1, kept 30 days");
    const off = buildPlan(load({ cluster: { mode: "create", logs: { cloudWatch: false } }, nodePools: [{ name: "t4", gpu: "t4" }] }));
    expect(renderPlan(off)).toContain("logs: container logs: only on the nodes (cluster.logs.cloudWatch: false)");
  });

  it("refuses a retention CloudWatch does not take, naming the values it does", () => {
    const lines = problemsOf(() => load({ cluster: { mode: "create", logs: { retentionDays: 10 } }, nodePools: [{ name: "t4", gpu: "t4" }] }));
    expect(lines).toEqual([
      "cluster.logs.retentionDays: must be a retention CloudWatch Logs accepts (allowed: 0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653; 0: forever) (got 10)",
    ]);
  });
});
