import { Injectable } from '@nestjs/common';
import { DispatchSaga } from '../processing/dispatch-saga';
import { IntegrationEventPublisher } from '../processing/integration-event-publisher';
import { RequestViewProjection } from '../read-model/request-view.projection';
import { CatchUpSubscriber } from './catch-up-subscriber';

/**
 * Every durable subscriber of the service, in one place: the runtime starts and stops them through here,
 * and readiness and metrics read their status from here, so a new subscriber is one line in this list.
 */
@Injectable()
export class Subscribers {
  readonly all: readonly CatchUpSubscriber[];

  constructor(projection: RequestViewProjection, saga: DispatchSaga, publisher: IntegrationEventPublisher) {
    this.all = [projection.subscriber, saga.subscriber, publisher.subscriber];
  }

  startAll(): void {
    for (const subscriber of this.all) subscriber.start();
  }

  /** Each stops at its checkpoint (the batch in hand finishes first). */
  async stopAll(): Promise<void> {
    await Promise.all(this.all.map((subscriber) => subscriber.stop()));
  }

  /** The subscriber of this name, or null. */
  named(name: string): CatchUpSubscriber | null {
    return this.all.find((subscriber) => subscriber.status().name === name) ?? null;
  }

  statuses(): Array<ReturnType<CatchUpSubscriber['status']>> {
    return this.all.map((subscriber) => subscriber.status());
  }
}
