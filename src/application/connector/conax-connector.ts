import { Logger } from '@nestjs/common';
import { ExponentialBackoff, handleType, retry } from 'cockatiel';
import { Clock } from '../ports/clock.port';
import { ConaxCallResult, ConaxClient, ConaxTransientError } from '../ports/conax-client.port';
import { ConnectorLedger } from '../ports/connector-ledger.port';
import { BusMessage, MessageBus, RetryPolicy, RunningConsumer } from '../ports/message-bus.port';
import { DispatchMessage, OUTCOME_SCHEMA, OutcomeMessage, parseDispatchMessage } from '../processing/messages';

/** Named after the topic it reads, like the service's own groups. */
export const connectorGroup = (topic: string) => `${topic}.connector`;

export interface ConnectorTopics {
  dispatch: string;
  outcomes: string;
}

function toOutcome(dispatch: DispatchMessage, result: ConaxCallResult, executedAt: Date): OutcomeMessage {
  const common = {
    schema: OUTCOME_SCHEMA,
    request_id: dispatch.request_id,
    attempt: dispatch.attempt,
    executed_at: executedAt.toISOString(),
  } as const;
  return result.kind === 'accepted'
    ? { ...common, result: 'accepted', response: result.response, reference_number: result.referenceNumber }
    : { ...common, result: 'rejected', response: result.response, error_code: result.code, error_description: result.text };
}

export interface ConnectorIdentity {
  /** Names this connector in its claims. */
  owner: string;
  /** How long one Conax call may last: a claim is dead one call after its dispatch's deadline. */
  callTimeoutMs: number;
  /** For a dispatch without a deadline: the longest a connector can keep calling (every call timing out). */
  worstCaseMs: number;
}

/** The dispatch's deadline passed: no Conax call may start for it any more. */
class DeadlinePassedError extends Error {}

/**
 * The Conax connector: consumes dispatch messages, calls Conax, publishes the outcome.
 * - A request with a recorded outcome is answered from the ledger, without a call.
 * - A dispatch past its deadline starts no call (the service has re-sent it or given up).
 * - The request is claimed in the ledger before Conax is called: a claim another live connector holds means
 *   it is calling right now, so this one does nothing. A claim whose call may have reached Conax without
 *   an answer being recorded (a failed or timed-out call, a connector that died) is resolved by asking
 *   Conax for the card's status before calling again: a pairing already made, a service already active
 *   (add) or already cancelled (cancel) is the outcome.
 * - Transient failures are retried with bounded exponential backoff and jitter, never past the deadline;
 *   when they persist the handler fails and the bus retries or parks the message (the service's outcome
 *   timeout sends the request again later).
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
    private readonly topics: ConnectorTopics,
    private readonly clock: Clock,
    retryPolicy: RetryPolicy,
    private readonly identity: ConnectorIdentity,
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
    });
  }

  async stop(): Promise<void> {
    await this.consumer?.stop();
    this.consumer = null;
  }

  async handle(message: BusMessage): Promise<void> {
    const dispatch = parseDispatchMessage(message.value);
    let outcome = await this.ledger.find(dispatch.request_id);
    if (outcome) {
      this.logger.log(`${dispatch.request_id} already has an outcome from Conax; republishing it without a call.`);
    } else {
      if (this.pastDeadline(dispatch)) {
        this.logger.warn(`${dispatch.request_id} attempt ${dispatch.attempt} is past its deadline; no Conax call.`);
        return;
      }
      const now = this.clock.now();
      const staleAt =
        dispatch.deadline === null
          ? new Date(now.getTime() + this.identity.worstCaseMs)
          : new Date(Date.parse(dispatch.deadline) + this.identity.callTimeoutMs);
      const claim = await this.ledger.claim(dispatch.request_id, this.identity.owner, now, staleAt);
      if (claim === 'held') {
        this.logger.warn(`${dispatch.request_id} is claimed by another connector; leaving it to that one.`);
        return;
      }
      const executedAt = this.clock.now();
      let result: ConaxCallResult;
      // Whether an earlier call may have paired the cards without our knowing the answer.
      let uncertain = claim === 'resumed';
      try {
        result = await this.callWithRetries.execute(async () => {
          if (this.pastDeadline(dispatch)) throw new DeadlinePassedError();
          if (uncertain) {
            const already = await this.alreadyDone(dispatch);
            if (already) return already;
          }
          try {
            return await this.client.call(dispatch.operation, dispatch.request);
          } catch (error) {
            if (error instanceof ConaxTransientError && error.maybeDelivered) uncertain = true;
            throw error;
          }
        });
      } catch (error) {
        if (error instanceof DeadlinePassedError) {
          this.logger.warn(`${dispatch.request_id} attempt ${dispatch.attempt} reached its deadline while retrying; stopped.`);
          return;
        }
        throw error;
      }
      outcome = toOutcome(dispatch, result, executedAt);
      await this.ledger.record(outcome);
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

  private pastDeadline(dispatch: DispatchMessage): boolean {
    return dispatch.deadline !== null && this.clock.now().getTime() > Date.parse(dispatch.deadline);
  }

  /** An earlier call for this request may have been carried out without its answer being recorded: ask Conax. */
  private async alreadyDone(dispatch: DispatchMessage): Promise<ConaxCallResult | null> {
    const found = dispatch.operation === 'CreatePairing' ? await this.alreadyPaired(dispatch) : await this.alreadyChanged(dispatch);
    if (found) this.logger.warn(`${dispatch.request_id}: an earlier ${dispatch.operation} call was carried out at Conax; recording that instead of calling again.`);
    return found;
  }

  /** The pairing counts as this request's when every card is paired with exactly this request's STBs. */
  private async alreadyPaired(dispatch: DispatchMessage): Promise<ConaxCallResult | null> {
    if (dispatch.smartcard_ca_ids.length === 0) return null;
    const wanted = [...dispatch.stb_ca_ids].sort().join(',');
    let reference: string | null = null;
    let response = '';
    for (const card of dispatch.smartcard_ca_ids) {
      const status = await this.client.pairingStatusForCard(card);
      if (!status.paired || [...status.stbCaIds].sort().join(',') !== wanted || status.referenceNumber === null) return null;
      reference ??= status.referenceNumber;
      response = status.response;
    }
    return { kind: 'accepted', response, referenceNumber: reference as string };
  }

  /** An add is done when the service is active on the card; a cancel, when it is among the card's cancelled services. */
  private async alreadyChanged(dispatch: DispatchMessage): Promise<ConaxCallResult | null> {
    const card = dispatch.smartcard_ca_ids[0];
    if (card === undefined || dispatch.service_ca_id === null) return null;
    const status = await this.client.subscriptionStatusForCard(card);
    const list = dispatch.operation === 'AddSubscription' ? status.active : status.cancelled;
    const entry = list.find((item) => item.serviceCaId === dispatch.service_ca_id);
    if (!entry || (dispatch.operation === 'CancelSubscription' && status.active.some((item) => item.serviceCaId === dispatch.service_ca_id))) return null;
    return { kind: 'accepted', response: status.response, referenceNumber: entry.referenceNumber };
  }
}
