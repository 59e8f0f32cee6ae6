import { Controller, Get, Header, Inject, Logger } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { EVENT_STORE, EventStore } from '../../application/ports/event-store.port';
import { MESSAGE_BUS, MessageBus } from '../../application/ports/message-bus.port';
import { READ_MODEL, ProvisioningRequestReadModel, describeConaxQueue } from '../../application/ports/read-model.port';
import { CLOCK, Clock } from '../../application/ports/clock.port';
import { SUBSCRIBER_CHECKPOINTS, SubscriberCheckpoints } from '../../application/ports/subscriber-checkpoints.port';
import { REQUEST_VIEW_PROJECTION } from '../../application/read-model/request-view.projection';
import { ServiceConsumer } from '../../application/processing/service-consumer';
import { PROVISIONING_REQUEST_STREAM_PREFIX } from '../../domain/provisioning-request';
import { PublicRoute } from '../http/auth/token.guard';
import { settleWithin } from '../../application/settle-within';
import { PrometheusMetrics } from './prometheus-metrics';

const PROBE_TIMEOUT_MS = 2000;

const withTimeout = <T>(work: Promise<T>) => settleWithin(work, PROBE_TIMEOUT_MS);

/** Liveness, readiness (store, bus, read model reachable; subscribers caught up) and Prometheus metrics. */
@ApiExcludeController()
@Controller()
export class OperationsController {
  private readonly logger = new Logger('Readiness');

  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly metrics: PrometheusMetrics,
    private readonly consumer: ServiceConsumer,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(SUBSCRIBER_CHECKPOINTS) private readonly checkpoints: SubscriberCheckpoints,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @Inject(READ_MODEL) private readonly readModel: ProvisioningRequestReadModel,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Get('health/live')
  @PublicRoute()
  @HealthCheck()
  live() {
    return this.health.check([]);
  }

  @Get('health/ready')
  @PublicRoute()
  @HealthCheck()
  ready() {
    return this.health.check([
      () => this.probe('event_store', () => this.store.headPosition([PROVISIONING_REQUEST_STREAM_PREFIX])),
      () => this.probe('read_model', () => this.checkpoints.checkpoint(REQUEST_VIEW_PROJECTION)),
      async () => {
        const bus = this.indicators.check('bus');
        // Consumers join their groups in the background after a start (after a crash that takes a session timeout).
        const reason = await withTimeout(this.bus.notReadyBecause()).catch(() => 'the message bus does not answer');
        return reason === null ? bus.up() : bus.down({ message: reason });
      },
      async () => {
        const session = this.indicators.check('subscribers');
        const statuses = this.consumer.statuses();
        const behind = statuses.filter((s) => s.active && !s.caughtUp).map((s) => s.name);
        // A lease that cannot be written (a database down or out of disk) leaves a subscriber on no instance.
        const unleased = statuses.filter((s) => s.leaseError !== null).map((s) => s.name);
        // Parked events do not make the instance unready (it goes on), but readiness names them.
        const detail = Object.fromEntries(
          statuses.map((s) => [s.name, `${s.leaseError !== null ? 'no lease (database write failed)' : s.active ? (s.caughtUp ? 'caught-up' : 'catching-up') : 'standby'}${s.parked ? `, ${s.parked} parked` : ''}`]),
        );
        if (unleased.length) return session.down({ ...detail, message: `lease cannot be written: ${unleased.join(', ')}` });
        return behind.length ? session.down({ ...detail, message: `not caught up: ${behind.join(', ')}` }) : session.up(detail);
      },
      // A queue never makes the instance unready (it still takes requests, and they wait their turn), but
      // readiness says how long it is and how long its oldest request has waited.
      async () => {
        const session = this.indicators.check('conax_queue');
        const now = this.clock.now();
        const queue = await withTimeout(this.readModel.conaxQueue(now)).catch(() => null);
        return queue ? session.up(describeConaxQueue(queue, now)) : session.up({ message: 'unknown: the read model did not answer' });
      },
    ]);
  }

  @Get('metrics')
  @PublicRoute()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  async prometheus(): Promise<string> {
    return this.metrics.registry.metrics();
  }

  private async probe(key: string, check: () => Promise<unknown>) {
    const session = this.indicators.check(key);
    try {
      await withTimeout(check());
      return session.up();
    } catch (error) {
      // The answer names the component only: driver errors carry host names and addresses, which stay in the log.
      this.logger.warn(`readiness: ${key} failed: ${(error as Error).message}`);
      return session.down({ message: `${key.replace('_', ' ')} unreachable` });
    }
  }
}
