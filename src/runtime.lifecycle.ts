import { Server } from 'node:http';
import { HttpAdapterHost } from '@nestjs/core';
import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { APP_SETTINGS, ApplicationSettings } from './application/application-settings';
import { MESSAGE_BUS, MessageBus } from './application/ports/message-bus.port';
import { systemClock } from './application/ports/clock.port';
import { CatalogueFeed } from './application/catalogue/catalogue-feed';
import { KafkaCommands } from './infrastructure/commands/kafka-commands';
import { ParkedWork } from './application/operations/parked-work';
import { OutcomeRecorder } from './application/processing/outcome-recorder';
import { ProcessingRun } from './application/processing/processing-run';
import { ServiceConsumer } from './application/processing/service-consumer';
import { PrometheusMetrics } from './infrastructure/observability/prometheus-metrics';
import { StorageAdapters } from './infrastructure/adapters';
import { AppConfig, ServiceConfiguration } from './infrastructure/config/app-config';
import { ConfigService } from '@nestjs/config';
import { STORAGE } from './infrastructure/config/config.tokens';
import { BatchRunner } from './application/batches/batch-runner';
import { ConnectorRuntime, startConnectorRuntime } from './infrastructure/conax/connector-runtime';
import { HttpGate } from './infrastructure/http/http-gate';
import { settleWithin, TimedOutError } from './application/settle-within';

/**
 * Starts the durable parts after boot and stops them in order on shutdown, within SHUTDOWN_TIMEOUT_MS
 * whatever is down: first the HTTP edge takes nothing new (keep-alive clients included) and waiting
 * process_immediately calls answer with their current state, then nothing new is started (processing run),
 * then consumers drain and commit, then subscriptions stop at their checkpoints, then the bus and the
 * stores close. Each step is logged, and a final line.
 */
@Injectable()
export class RuntimeLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger('Shutdown');
  private connectorRuntime: ConnectorRuntime | null = null;
  private shutdownDeadline = Number.POSITIVE_INFINITY;

  constructor(
    private readonly consumer: ServiceConsumer,
    private readonly outcomes: OutcomeRecorder,
    private readonly catalogueFeed: CatalogueFeed,
    private readonly kafkaCommands: KafkaCommands,
    private readonly parkedWork: ParkedWork,
    private readonly processingRun: ProcessingRun,
    private readonly batchRunner: BatchRunner,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @Inject(STORAGE) private readonly storage: StorageAdapters,
    private readonly configuration: ConfigService<ServiceConfiguration, true>,
    @Inject(APP_SETTINGS) private readonly settings: ApplicationSettings,
    private readonly metrics: PrometheusMetrics,
    private readonly httpAdapterHost: HttpAdapterHost,
    private readonly httpGate: HttpGate,
  ) {}

  /** The whole checked configuration (the connector's runtime takes it as it is). */
  private get config(): AppConfig {
    return this.configuration.get('app', { infer: true });
  }

  get connector(): ConnectorRuntime | null {
    return this.connectorRuntime;
  }

  async onApplicationBootstrap(): Promise<void> {
    const { dispatch, outcomes, events } = this.settings.topics;
    await this.bus.ensureTopics([dispatch, outcomes, events]);
    this.metrics.watchSubscribers(
      this.consumer.lanes,
      this.storage.eventStore,
      this.consumer.projection.streamPrefixes,
    );
    this.metrics.watchBus(this.bus);
    this.metrics.watchConaxQueue(this.storage.readModel, systemClock);
    // Consumers join before anything publishes, so the in-process bus has a group to keep each message for.
    await this.outcomes.start();
    await this.catalogueFeed.start();
    await this.kafkaCommands.start();
    await this.parkedWork.startCollecting();
    if (this.config.runConnector) this.connectorRuntime = await startConnectorRuntime(this.config, this.bus, this.storage.ledger, this.storage.requestKeys, this.storage.providerGate);
    this.consumer.start();
    this.processingRun.start();
    this.batchRunner.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.shutdownDeadline = performance.now() + this.config.shutdownTimeoutMs;
    this.logger.log(`Shutting down: at most ${this.config.shutdownTimeoutMs} ms.`);
    this.httpGate.close(this.httpAdapterHost.httpAdapter?.getHttpServer() as Server | undefined);
    await this.stage('Kafka commands stopped', () => this.kafkaCommands.stop());
    await this.stage('processing run stopped', () => this.processingRun.stop());
    await this.stage('batch runner stopped between chunks', () => this.batchRunner.stop());
    await this.stage('connector drained and stopped', async () => this.connectorRuntime?.stop());
    await this.stage('outcome consumer drained and stopped', () => this.outcomes.stop());
    await this.stage('catalogue feed stopped', () => this.catalogueFeed.stop());
    await this.stage('dead-letter collectors stopped', () => this.parkedWork.stopCollecting());
    await this.stage('processors stopped at their checkpoints', () => this.consumer.stop());
  }

  async onApplicationShutdown(): Promise<void> {
    await this.stage('message bus closed', () => this.bus.close());
    await this.stage('stores closed', () => this.storage.close());
    const took = Math.round(performance.now() - (this.shutdownDeadline - this.config.shutdownTimeoutMs));
    this.logger.log(`Shutdown complete in ${took} ms.`);
  }

  /**
   * One step of the shutdown, bounded by what is left of SHUTDOWN_TIMEOUT_MS: a step that cannot finish (a
   * broker that is gone, a database that does not answer) is logged and left, so the process still ends and
   * the steps after it (closing the stores) still run.
   */
  private async stage(name: string, work: () => Promise<unknown>): Promise<void> {
    const started = performance.now();
    const left = Math.max(0, this.shutdownDeadline - started);
    try {
      await settleWithin(work(), left);
      this.logger.log(`Shutdown: ${name} (${Math.round(performance.now() - started)} ms).`);
    } catch (error) {
      const why = error instanceof TimedOutError ? `did not finish within the ${Math.round(left)} ms left` : `failed: ${(error as Error).message}`;
      this.logger.warn(`Shutdown: ${name} ${why}; going on.`);
    }
  }
}
