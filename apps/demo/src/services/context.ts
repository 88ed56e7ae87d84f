// What every demo service's routes get: their identity, the sidecar client, a logger and the dice.
import type { Logger } from "@trellis/process-kit";
import type { OutboundClient } from "../outbound";

export interface ServiceContext {
  service: string;
  version: string;
  outbound: OutboundClient;
  logger: Logger;
  random: () => number;
}
