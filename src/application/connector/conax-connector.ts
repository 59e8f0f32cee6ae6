import { Logger } from '@nestjs/common';
import { ExponentialBackoff, handleType, retry } from 'cockatiel';
import { Clock } from '../ports/clock.port';
import { CallSecrets, ConaxCallResult, ConaxClient, ConaxTransientError } from '../ports/conax-client.port';
import { RequestKeys } from '../ports/request-keys.port';
import { ProviderGate } from '../ports/provider-gate.port';
import { ConnectorLedger } from '../ports/connector-ledger.port';
import { BusMessage, MessageBus, RetryPolicy, RunningConsumer } from '../ports/message-bus.port';
import { definitionOfOperation } from '../request-types/request-types';
import { DispatchMessage, parseDispatchMessage } from '../processing/messages';
import { FinalOutcome, OUTCOME_SCHEMA, OutcomeMessage } from '../ports/outcome-message';

/** What a SetPin whose PIN can no longer be opened comes to, without a call (the service ignores it for a final request). */
const PIN_GONE: ConaxCallResult = {
  kind: 'fault',
  code: 'PIN_UNAVAILABLE',
  text: "The request's PIN can no longer be opened: its key was destroyed when the request became final.",
  response: '',
};

/** How often a held send asks again whether the provider is effective. */
const PROVIDER_POLL_MS = 500;

/** Named after the topic it reads, like the service's own groups. */
export const connectorGroup = (topic: string) => `${topic}.connector`;

export interface ConnectorTopics {
  dispatch: string;
  outcomes: string;
}

/**
 * The lanes a dispatch message runs in: one per smartcard it names, so two sends for one card reach Conax in
 * the order they were sent. A message this build cannot read runs alone in its request's lane (its handler
 * refuses it).
 */
export function smartcardLanes(message: BusMessage): string[] {
  try {
    const cards = parseDispatchMessage(message.value).smartcard_ca_ids;
    return cards.length > 0 ? cards.map((card) => `card:${card}`) : [`request:${message.key}`];
  } catch {
    return [`request:${message.key}`];
  }
}

function toOutcome(dispatch: DispatchMessage, result: ConaxCallResult, executedAt: Date): FinalOutcome {
  const common = {
    schema: OUTCOME_SCHEMA,
    request_id: dispatch.request_id,
    attempt: dispatch.attempt,
    executed_at: executedAt.toISOString(),
  } as const;
  return result.kind === 'accepted'
    ? { ...common, result: 'accepted', response: result.response, reference_number: result.referenceNumber, ...(result.result ? { answer: result.result } : {}) }
    : { ...common, result: 'rejected', response: result.response, error_code: result.code, error_description: result.text };
}

export interface ConnectorIdentity {
  /** Names this connector in its claims. */
  owner: string;
  /**
   * The longest this connector can keep calling for one send (every call of its bounded retries timing out):
   * a claim older than this belongs to a connector that is gone.
   */
  worstCaseMs: number;
}

/**
 * The Conax connector: consumes dispatch messages, calls Conax, publishes the outcome.
 * - A request with a recorded outcome is answered from the ledger, without a call.
 * - A send waits in the queue for as long as it takes (deadlines bound a call, not a queue): the connector
 *   calls for every send it takes, at most `CONAX_MAX_IN_FLIGHT` at once, in order per smartcard.
 * - The request is claimed in the ledger before Conax is called: a claim another live connector holds means
 *   it is calling right now, so this one does nothing. A claim whose call may have reached Conax without
 *   an answer being recorded (a failed or timed-out call, a connector that died) is resolved by asking
 *   Conax for the card's status before calling again: a pairing already made, a service already active
 *   (add) or already cancelled (cancel) is the outcome.
 * - Transient failures are retried with bounded exponential backoff and jitter. When every call of the send
 *   failed, the connector releases its claim (the next send asks Conax first) and reports the send
 *   `unanswered`: only such reports count towards the service's CONAX_TIMEOUT.
 * - The outcome is written to the ledger before it is published.
 */
export class ConaxConnector {
  private readonly logger = new Logger(ConaxConnector.name);
  private consumer: RunningConsumer | null = null;
  private readonly callWithRetries;

  constructor(
    private readonly bus: MessageBus,
    private readonly client: ConaxClient,
    private readonly ledger: ConnectorLedger,
    private readonly keys: RequestKeys,
    /** The provider's state (SPEC §11): while NOT_EFFECTIVE no call is made. */
    private readonly provider: ProviderGate,
    private readonly topics: ConnectorTopics,
    private readonly clock: Clock,
    retryPolicy: RetryPolicy,
    private readonly identity: ConnectorIdentity,
    /** Sends called at once (CONAX_MAX_IN_FLIGHT); two sends that name a common smartcard never overlap. */
    private readonly maxInFlight = 1,
  ) {
    this.callWithRetries = retry(handleType(ConaxTransientError), {
      maxAttempts: retryPolicy.maxAttempts,
      backoff: new ExponentialBackoff({ initialDelay: retryPolicy.initialDelayMs, maxDelay: retryPolicy.maxDelayMs }),
    });
    this.callWithRetries.onRetry(({ delay, ...reason }) => {
      const message = 'error' in reason ? reason.error.message : 'unexpected result';
      this.logger.warn(`Conax call failed (${message}); retrying in ${Math.round(delay)} ms.`);
    });
  }

  async start(): Promise<void> {
    await this.bus.ensureTopics([this.topics.dispatch, this.topics.outcomes]);
    this.consumer = await this.bus.consume({
      topic: this.topics.dispatch,
      groupId: connectorGroup(this.topics.dispatch),
      handler: (message) => this.handle(message),
      concurrency: { max: this.maxInFlight, lanesOf: smartcardLanes },
    });
  }

  async stop(): Promise<void> {
    await this.consumer?.stop();
    this.consumer = null;
  }

  async handle(message: BusMessage): Promise<void> {
    const dispatch = parseDispatchMessage(message.value);
    let outcome: OutcomeMessage | null = await this.ledger.find(dispatch.request_id);
    if (outcome) {
      this.logger.log(`${dispatch.request_id} already has an outcome from Conax; republishing it without a call.`);
    } else {
      await this.untilEffective(dispatch.request_id);
      const calledAt = this.clock.now();
      const claim = await this.ledger.claim(dispatch.request_id, this.identity.owner, calledAt, new Date(calledAt.getTime() + this.identity.worstCaseMs));
      if (claim === 'held') {
        this.logger.warn(`${dispatch.request_id} is claimed by another connector; leaving it to that one.`);
        return;
      }
      // Whether an earlier call may have paired the cards without our knowing the answer.
      let uncertain = claim === 'resumed';
      try {
        const result = await this.callWithRetries.execute(async () => {
          if (uncertain) {
            const already = await this.alreadyDone(dispatch);
            if (already) return already;
          }
          const secrets = await this.secretsOf(dispatch);
          if (secrets === null) return PIN_GONE;
          try {
            return await this.client.call(dispatch.operation, dispatch.request, secrets);
          } catch (error) {
            if (error instanceof ConaxTransientError && error.maybeDelivered) uncertain = true;
            throw error;
          }
        });
        outcome = toOutcome(dispatch, result, calledAt);
        await this.ledger.record(outcome);
      } catch (error) {
        if (!(error instanceof ConaxTransientError)) throw error;
        // Every call of this send failed. The claim is released (whoever takes the next send asks Conax first)
        // and the send is reported unanswered; the outcome is not final, so the ledger keeps none.
        await this.ledger.release(dispatch.request_id, this.identity.owner, this.clock.now());
        this.logger.warn(`${dispatch.request_id} attempt ${dispatch.attempt}: Conax gave no answer (${error.message}).`);
        outcome = { schema: OUTCOME_SCHEMA, request_id: dispatch.request_id, attempt: dispatch.attempt, result: 'unanswered', executed_at: calledAt.toISOString(), reason: error.message.slice(0, 500) };
      }
    }
    await this.bus.publish(this.topics.outcomes, [
      {
        key: dispatch.request_id,
        value: JSON.stringify(outcome),
        headers: {
          ...(message.headers['correlation-id'] ? { 'correlation-id': message.headers['correlation-id'] } : {}),
          'causation-id': `${dispatch.request_id}#${dispatch.attempt}`,
        },
      },
    ]);
  }

  /**
   * Holds the send, without calling, while the provider is NOT_EFFECTIVE (SPEC §11). The message stays
   * uncommitted meanwhile: a connector stopped while holding it leaves it to the next one.
   */
  private async untilEffective(requestId: string): Promise<void> {
    let held = false;
    while ((await this.provider.status()).state !== 'EFFECTIVE') {
      if (!held) this.logger.warn(`${requestId}: the Conax provider is NOT_EFFECTIVE; holding the call until it is effective again.`);
      held = true;
      await new Promise((resolve) => setTimeout(resolve, PROVIDER_POLL_MS));
    }
    if (held) this.logger.log(`${requestId}: the Conax provider is effective again; calling.`);
  }

  /**
   * The PIN of a SetPin, opened with the request's key just before the call. A key already destroyed (the
   * request is final: this is a stale redelivery) or a PIN that does not open leaves nothing to send (null):
   * the call is not made, rather than made without its PIN.
   */
  private async secretsOf(dispatch: DispatchMessage): Promise<CallSecrets | null> {
    if (!dispatch.sealed_pin) return {};
    const pin = await this.keys.open(dispatch.request_id, dispatch.sealed_pin);
    return pin === null ? null : { pin };
  }

  /** An earlier call for this request may have been carried out without its answer being recorded: ask Conax (how, is the request type's). */
  private async alreadyDone(dispatch: DispatchMessage): Promise<ConaxCallResult | null> {
    const call = { operation: dispatch.operation, smartcardCaIds: dispatch.smartcard_ca_ids, stbCaIds: dispatch.stb_ca_ids, serviceCaId: dispatch.service_ca_id, startDate: null };
    const found = await definitionOfOperation(dispatch.operation).conax.alreadyDone(this.client, call);
    if (found) this.logger.warn(`${dispatch.request_id}: an earlier ${dispatch.operation} call was carried out at Conax; recording that instead of calling again.`);
    return found;
  }
}
