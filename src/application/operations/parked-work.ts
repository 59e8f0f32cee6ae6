import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { DomainError } from '../../domain/provisioning-request';
import { APP_SETTINGS, ApplicationSettings } from '../application-settings';
import { EVENT_STORE, EventStore } from '../ports/event-store.port';
import { BusMessage, dlqTopicOf, MESSAGE_BUS, MessageBus, RunningConsumer } from '../ports/message-bus.port';
import { DeadLetter, PARKED_WORK, ParkedEventEntry, ParkedWorkStore } from '../ports/parked-work.port';
import { ServiceConsumer } from '../processing/service-consumer';
import { Operator, OperatorActions } from './operator-actions';


export const deadLetterGroup = (dlqTopic: string) => `${dlqTopic}.operations`;

/** The bus's own headers on a parked message; everything else is the message's and goes back with it. */
const BUS_HEADERS = ['dlq-reason', 'dlq-source-topic', 'dlq-id', 'dlq-parked-at'];

/** Reads a message from a dead-letter topic into what operators see. */
export function deadLetterOf(dlqTopic: string, message: BusMessage): DeadLetter {
  const own = Object.fromEntries(Object.entries(message.headers).filter(([name]) => !BUS_HEADERS.includes(name)));
  const id =
    message.headers['dlq-id'] ??
    createHash('sha256').update(JSON.stringify([dlqTopic, message.key, message.value, own])).digest('hex').slice(0, 32);
  return {
    id,
    dlqTopic,
    sourceTopic: message.headers['dlq-source-topic'] ?? dlqTopic.replace(/\.dlq$/, ''),
    key: message.key,
    value: message.value,
    headers: own,
    reason: message.headers['dlq-reason'] ?? 'unknown',
    parkedAt: message.headers['dlq-parked-at'] ?? new Date().toISOString(),
  };
}

/**
 * Parked work and what operators do with it (SPEC §2: only the operations role). Events a subscriber parked
 * are handled again by that subscriber (`redrive`) or let go (`discard`); messages parked on dead-letter
 * topics are collected here, then published again to the topic they came from or let go. Every re-drive and
 * discard is recorded in the `operator_actions` stream. A re-drive that fails again leaves the work parked.
 */
@Injectable()
export class ParkedWork {
  private readonly logger = new Logger(ParkedWork.name);
  private consumers: RunningConsumer[] = [];

  constructor(
    @Inject(PARKED_WORK) private readonly store: ParkedWorkStore,
    @Inject(EVENT_STORE) private readonly events: EventStore,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @Inject(APP_SETTINGS) private readonly settings: ApplicationSettings,
    private readonly consumer: ServiceConsumer,
    private readonly actions: OperatorActions,
  ) {}

  /** The dead-letter topics of every topic this service or its connector consumes. */
  deadLetterTopics(): string[] {
    const { dispatch, outcomes, catalogueServices, catalogueSmartcards } = this.settings.topics;
    return [dispatch, outcomes, catalogueServices, catalogueSmartcards].map(dlqTopicOf);
  }

  /** Collects dead letters as they are parked (each instance's group shares them; keeping one twice changes nothing). */
  async startCollecting(): Promise<void> {
    for (const topic of this.deadLetterTopics()) {
      this.consumers.push(
        await this.bus.consume({ topic, groupId: deadLetterGroup(topic), handler: (message) => this.store.keepDeadLetter(deadLetterOf(topic, message)) }),
      );
    }
  }

  async stopCollecting(): Promise<void> {
    await Promise.all(this.consumers.map((consumer) => consumer.stop()));
    this.consumers = [];
  }

  async list(): Promise<{ events: ParkedEventEntry[]; messages: DeadLetter[] }> {
    const [events, messages] = await Promise.all([this.store.parkedEvents(), this.store.deadLetters()]);
    return { events, messages };
  }

  async redriveEvent(subscriberName: string, position: bigint, operator: Operator): Promise<void> {
    const parked = await this.parkedEvent(subscriberName, position);
    const subscriber = this.consumer.named(subscriberName);
    if (!subscriber) throw new DomainError('NOT_FOUND', `No subscriber is called ${subscriberName}.`, 'subscriber');
    const recorded = (await this.events.readStream(parked.streamId)).find((event) => event.eventId === parked.eventId);
    if (!recorded) throw new DomainError('NOT_FOUND', 'The parked event is no longer in the event store.', 'position');
    try {
      await subscriber.processor.redrive(recorded);
    } catch (error) {
      this.logger.warn(`Re-drive of ${subscriberName}@${position} failed: ${(error as Error).message}`);
      throw new DomainError('WRONG_STATE', `The re-drive failed and the event stays parked: ${(error as Error).message}`.slice(0, 1000), 'position');
    }
    await this.store.releaseParkedEvent(subscriberName, position);
    await this.recordEventAction('ParkedWorkRedriven', parked, operator);
  }

  async discardEvent(subscriberName: string, position: bigint, operator: Operator): Promise<void> {
    const parked = await this.parkedEvent(subscriberName, position);
    await this.store.releaseParkedEvent(subscriberName, position);
    await this.recordEventAction('ParkedWorkDiscarded', parked, operator);
  }

  async redriveMessage(id: string, operator: Operator): Promise<void> {
    const deadLetter = await this.deadLetter(id);
    try {
      await this.bus.publish(deadLetter.sourceTopic, [{ key: deadLetter.key, value: deadLetter.value, headers: deadLetter.headers }]);
    } catch (error) {
      throw new DomainError('WRONG_STATE', `The message could not be published again and stays parked: ${(error as Error).message}`.slice(0, 1000), 'id');
    }
    await this.store.releaseDeadLetter(id);
    await this.recordMessageAction('ParkedWorkRedriven', deadLetter, operator);
  }

  async discardMessage(id: string, operator: Operator): Promise<void> {
    const deadLetter = await this.deadLetter(id);
    await this.store.releaseDeadLetter(id);
    await this.recordMessageAction('ParkedWorkDiscarded', deadLetter, operator);
  }

  private async parkedEvent(subscriber: string, position: bigint): Promise<ParkedEventEntry> {
    const parked = await this.store.parkedEvent(subscriber, position);
    if (!parked) throw new DomainError('NOT_FOUND', 'No event is parked there.', 'position');
    return parked;
  }

  private async deadLetter(id: string): Promise<DeadLetter> {
    const deadLetter = await this.store.deadLetter(id);
    if (!deadLetter) throw new DomainError('NOT_FOUND', 'No dead letter has this id.', 'id');
    return deadLetter;
  }

  private recordEventAction(type: 'ParkedWorkRedriven' | 'ParkedWorkDiscarded', parked: ParkedEventEntry, operator: Operator): Promise<void> {
    return this.actions.record(
      type,
      {
        kind: 'event',
        target: { subscriber: parked.subscriber, position: parked.position.toString(), stream_id: parked.streamId, event_id: parked.eventId, type: parked.type },
        reason: parked.reason,
        organisation: operator.organisation,
      },
      operator.user,
      operator.correlationId,
    );
  }

  private recordMessageAction(type: 'ParkedWorkRedriven' | 'ParkedWorkDiscarded', deadLetter: DeadLetter, operator: Operator): Promise<void> {
    return this.actions.record(
      type,
      {
        kind: 'message',
        target: { id: deadLetter.id, dlq_topic: deadLetter.dlqTopic, source_topic: deadLetter.sourceTopic, key: deadLetter.key },
        reason: deadLetter.reason,
        organisation: operator.organisation,
      },
      operator.user,
      operator.correlationId,
    );
  }
}
