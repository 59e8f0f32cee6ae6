import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConaxOutcome, DomainError, ProvisioningRequestCommand } from '../../domain/provisioning-request';
import { APP_SETTINGS, ApplicationSettings } from '../application-settings';
import { CLOCK, Clock } from '../ports/clock.port';
import { BusMessage, MESSAGE_BUS, MessageBus, RunningConsumer } from '../ports/message-bus.port';
import { SERVICE_METRICS, ServiceMetrics } from '../ports/metrics.port';
import { StreamCommandHandler } from '../command-handling/command-handler';
import { ProvisioningRequestStream } from '../provisioning-request.stream';
import { systemContext } from '../system-user';
import { parseOutcomeMessage } from './messages';
import { OutcomeMessage } from '../ports/outcome-message';

/** Consumer groups are named after the topic they read, so deployments (and tests) on other topics never share one. */
export const outcomeRecorderGroup = (topic: string) => `${topic}.recorder`;

function toDomain(outcome: Exclude<OutcomeMessage, { result: 'unanswered' }>): ConaxOutcome {
  const executedAt = new Date(outcome.executed_at);
  return outcome.result === 'accepted'
    ? { kind: 'accepted', response: outcome.response, referenceNumber: outcome.reference_number, executedAt, ...(outcome.answer ? { result: outcome.answer } : {}) }
    : {
        kind: 'rejected',
        errorCode: outcome.error_code,
        errorDescription: outcome.error_description,
        response: outcome.response,
        executedAt,
      };
}

/** Turns outcome messages from the connector into RequestProcessed / RequestRejected, and reports of unanswered calls into ConaxCallUnanswered. */
@Injectable()
export class OutcomeRecorder {
  private readonly logger = new Logger(OutcomeRecorder.name);
  private consumer: RunningConsumer | null = null;

  constructor(
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @Inject(APP_SETTINGS) private readonly settings: ApplicationSettings,
    @Inject(SERVICE_METRICS) private readonly metrics: ServiceMetrics,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly commands: StreamCommandHandler,
    private readonly requests: ProvisioningRequestStream,
  ) {}

  async start(): Promise<void> {
    this.consumer = await this.bus.consume({
      topic: this.settings.topics.outcomes,
      groupId: outcomeRecorderGroup(this.settings.topics.outcomes),
      handler: (message) => this.record(message),
    });
  }

  async stop(): Promise<void> {
    await this.consumer?.stop();
    this.consumer = null;
  }

  async record(message: BusMessage): Promise<void> {
    const outcome = parseOutcomeMessage(message.value);
    const context = systemContext(message.headers['correlation-id'] ?? outcome.request_id, message.headers['causation-id'] ?? null);
    const command: ProvisioningRequestCommand =
      outcome.result === 'unanswered'
        ? {
            type: 'RecordUnansweredCall',
            call: { attempt: outcome.attempt, calledAt: new Date(outcome.executed_at), reason: outcome.reason, now: this.clock.now() },
            maxAttempts: this.settings.maxDispatchAttempts,
          }
        : { type: 'RecordOutcome', outcome: toDomain(outcome) };
    try {
      const decided = await this.commands.handle(this.requests, outcome.request_id, command, { context, metric: 'record_outcome' });
      if (decided.appended.length === 0) {
        this.logger.warn(`Outcome (${outcome.result}) of attempt ${outcome.attempt} for ${outcome.request_id} ignored: the request is already final or it was recorded before.`);
        this.metrics.outcomeRecorded('ignored');
      } else {
        this.metrics.outcomeRecorded(outcome.result);
      }
    } catch (error) {
      if (error instanceof DomainError) {
        this.logger.warn(`Outcome for ${outcome.request_id} ignored: ${error.message}`);
        this.metrics.outcomeRecorded('ignored');
        return;
      }
      throw error;
    }
  }
}
