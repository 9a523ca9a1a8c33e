/**
 * The headless Service of a multi-node experiment. With the Job's pods naming it as their
 * `subdomain`, each pod gets the DNS name `<hostname>.<service>`; the Indexed Job sets hostname
 * `<job>-<index>`, so rank 0 is always `<job>-0.<service>`, whatever its IP turns out to be.
 * https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/#pod-hostname-and-subdomain-field
 * https://kubernetes.io/docs/concepts/workloads/controllers/job/#completion-mode
 */
import type { IService } from "kubernetes-models/v1/Service";
import { experimentLabels, selectorLabels } from "./labels";
import { RENDEZVOUS_PORT } from "./launch";

export interface RendezvousServiceInput {
  readonly name: string;
  readonly namespace: string;
  readonly experiment: string;
  readonly stack: string;
}

export function buildRendezvousService(input: RendezvousServiceInput): IService {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: input.name, namespace: input.namespace, labels: experimentLabels(input.experiment, input.stack, "rendezvous") },
    spec: {
      // Headless: DNS answers with the pods' own addresses, one record per pod.
      clusterIP: "None",
      // Publish a pod's record before it is Ready: training pods have no readiness probe to pass,
      // and workers must resolve rank 0 while it is still starting.
      publishNotReadyAddresses: true,
      selector: selectorLabels(input.experiment),
      ports: [{ name: "rendezvous", port: RENDEZVOUS_PORT, targetPort: RENDEZVOUS_PORT, protocol: "TCP" }],
    },
  };
}
