import { Server } from 'node:http';
import { HttpAdapterHost } from '@nestjs/core';
import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { APP_SETTINGS, ApplicationSettings } from './application/application-settings';
import { MESSAGE_BUS, MessageBus } from './application/ports/message-bus.port';
import { systemClock } from './application/ports/clock.port';
import { CatalogueFeed } from './application/catalogue/catalogue-feed';
import { ParkedWork } from './application/operations/parked-work';
import { OutcomeRecorder } from './application/processing/outcome-recorder';
import { ProcessingRun } from './application/processing/processing-run';
import { RequestViewProjection } from './application/read-model/request-view.projection';
import { Subscribers } from './application/subscriptions/subscribers';
import { PrometheusMetrics } from './infrastructure/observability/prometheus-metrics';
import { StorageAdapters } from './infrastructure/adapters';
import { AppConfig } from './infrastructure/config/app-config';
import { APP_CONFIG, STORAGE } from './infrastructure/config/config.tokens';
import { ConnectorRuntime, startConnectorRuntime } from './infrastructure/conax/connector-runtime';

/**
 * Starts the durable parts after boot and stops them in order on shutdown: first nothing new is started
 * (processing run), then consumers drain and commit, then subscriptions stop at their checkpoints, then
 * the bus and the stores close.
 */
@Injectable()
export class RuntimeLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private connectorRuntime: ConnectorRuntime | null = null;

  constructor(
    private readonly subscribers: Subscribers,
    private readonly projection: RequestViewProjection,
    private readonly outcomes: OutcomeRecorder,
    private readonly catalogueFeed: CatalogueFeed,
    private readonly parkedWork: ParkedWork,
    private readonly processingRun: ProcessingRun,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @Inject(STORAGE) private readonly storage: StorageAdapters,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(APP_SETTINGS) private readonly settings: ApplicationSettings,
    private readonly metrics: PrometheusMetrics,
    private readonly httpAdapterHost: HttpAdapterHost,
  ) {}

  get connector(): ConnectorRuntime | null {
    return this.connectorRuntime;
  }

  async onApplicationBootstrap(): Promise<void> {
    const { dispatch, outcomes, events } = this.settings.topics;
    await this.bus.ensureTopics([dispatch, outcomes, events]);
    this.metrics.watchSubscribers(
      this.subscribers.all,
      this.storage.eventStore,
      this.projection.streamPrefixes,
    );
    this.metrics.watchBus(this.bus);
    this.metrics.watchConaxQueue(this.storage.readModel, systemClock);
    // Consumers join before anything publishes, so the in-process bus has a group to keep each message for.
    await this.outcomes.start();
    await this.catalogueFeed.start();
    await this.parkedWork.startCollecting();
    if (this.config.runConnector) this.connectorRuntime = await startConnectorRuntime(this.config, this.bus, this.storage.ledger);
    this.subscribers.startAll();
    this.processingRun.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopAcceptingHttp();
    await this.processingRun.stop();
    await this.connectorRuntime?.stop();
    await this.outcomes.stop();
    await this.catalogueFeed.stop();
    await this.parkedWork.stopCollecting();
    await this.subscribers.stopAll();
  }

  /** New connections are refused from here on; requests in flight finish (Nest closes the server fully later). */
  private stopAcceptingHttp(): void {
    const server = this.httpAdapterHost.httpAdapter?.getHttpServer() as Server | undefined;
    if (server?.listening) server.close();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.bus.close();
    await this.storage.close();
  }
}
