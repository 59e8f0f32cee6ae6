import { OutcomeMessage } from '../processing/messages';

/**
 * The connector's own durable memory of what Conax answered, written before the outcome is published:
 * a redelivered dispatch for a request with a recorded outcome republishes it instead of calling Conax again.
 */
export interface ConnectorLedger {
  find(requestId: string): Promise<OutcomeMessage | null>;
  record(outcome: OutcomeMessage): Promise<void>;
}

export const CONNECTOR_LEDGER = Symbol('ConnectorLedger');
