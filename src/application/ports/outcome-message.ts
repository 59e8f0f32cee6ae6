import { QueryResult } from '../../domain/provisioning-request';

/**
 * What the connector answers for one send: the outcome topic's message (docs/asyncapi.yaml). The connector's
 * ledger keeps the final ones; the service turns each into a decision.
 */
export const OUTCOME_SCHEMA = 'conax.pairing.outcome.v1';

export type OutcomeMessage =
  | {
      schema: typeof OUTCOME_SCHEMA;
      request_id: string;
      attempt: number;
      result: 'accepted';
      response: string;
      reference_number: string;
      executed_at: string;
      /** A query type's parsed answer (SPEC §8); absent for the types that change something. */
      answer?: QueryResult;
    }
  | {
      schema: typeof OUTCOME_SCHEMA;
      request_id: string;
      attempt: number;
      result: 'rejected';
      response: string | null;
      error_code: string;
      error_description: string;
      executed_at: string;
    }
  | {
      schema: typeof OUTCOME_SCHEMA;
      request_id: string;
      attempt: number;
      /** The connector called Conax for this send and got no usable answer within its bounded retries. */
      result: 'unanswered';
      /** When the connector began calling for this send. */
      executed_at: string;
      reason: string;
    };

/** What Conax answered for a request (what the connector's ledger keeps): never an `unanswered` report. */
export type FinalOutcome = Exclude<OutcomeMessage, { result: 'unanswered' }>;
