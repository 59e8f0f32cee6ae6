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

/**
 * The Conax connector: consumes dispatch messages, calls Conax, publishes the outcome. Transient failures
 * are retried with bounded exponential backoff and jitter; when they persist the handler fails and the bus
 * retries or parks the message (the service's outcome timeout sends the request again later). The outcome
 * is written to the ledger before it is published, so a redelivered dispatch never calls Conax twice.
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
      const executedAt = this.clock.now();
      const result = await this.callWithRetries.execute(() => this.client.createPairing(dispatch.request));
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
}
