import { Inject, Injectable, Logger } from '@nestjs/common';
import { PROCESSING_RUN_STREAM, processingRunDecider } from '../../domain/processing-run/processing-run.decider';
import { APP_SETTINGS, ApplicationSettings } from '../application-settings';
import { logStream, StreamCommandHandler } from '../command-handling/command-handler';
import { CLOCK, Clock } from '../ports/clock.port';
import { REQUEST_KEYS, RequestKeys } from '../ports/request-keys.port';
import { ConaxProvider } from '../operations/conax-provider';
import { ID_GENERATOR, IdGenerator } from '../ports/id-generator.port';
import { READ_MODEL, ProvisioningRequestReadModel } from '../ports/read-model.port';
import { ProvisioningRequestStream } from '../provisioning-request.stream';
import { systemContext } from '../system-user';
import { RequestDispatcher } from './request-dispatcher';

export { PROCESSING_RUN_STREAM };

const processingRunStream = logStream(PROCESSING_RUN_STREAM, processingRunDecider);

/**
 * The scheduled processing run. Each tick with work to do appends ProcessingRunStarted to one stream with
 * the expected revision it read: of several instances only one can start a run, and a run whose instance
 * died is taken over once its lease has passed. The run sends due requests in SPEC order (EXPRESS, then
 * scheduled date, then number) and sweeps sent requests whose outcome is overdue.
 */
export interface ProcessingRunStatus {
  intervalMs: number;
  scheduled: boolean;
  running: boolean;
  lastTick: { at: string; result: 'idle' | 'ran' | 'held elsewhere' | 'provider not effective' | 'failed'; runId: string | null; sent: number; timedOut: number; error: string | null } | null;
}

@Injectable()
export class ProcessingRun {
  private readonly logger = new Logger(ProcessingRun.name);
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private last: ProcessingRunStatus['lastTick'] = null;

  constructor(
    @Inject(READ_MODEL) private readonly readModel: ProvisioningRequestReadModel,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
    @Inject(APP_SETTINGS) private readonly settings: ApplicationSettings,
    private readonly commands: StreamCommandHandler,
    private readonly requests: ProvisioningRequestStream,
    private readonly dispatcher: RequestDispatcher,
    @Inject(REQUEST_KEYS) private readonly keys: RequestKeys,
    private readonly provider: ConaxProvider,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.settings.processingRunIntervalMs);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** For operators: how often it runs, whether one is going now, and what the last tick of this instance did. */
  status(): ProcessingRunStatus {
    return { intervalMs: this.settings.processingRunIntervalMs, scheduled: this.timer !== null, running: this.running !== null, lastTick: this.last };
  }

  /** One run, unless one is already going in this process (then it waits for that one). */
  tick(): Promise<void> {
    if (!this.running) {
      const at = this.clock.now().toISOString();
      this.running = this.runOnce()
        .then((outcome) => void (this.last = { at, ...outcome, error: null }))
        .catch((error) => {
          this.last = { at, result: 'failed', runId: null, sent: 0, timedOut: 0, error: (error as Error).message };
          this.logger.error(`Processing run failed: ${(error as Error).message}`);
        })
        .then(() => undefined)
        .finally(() => (this.running = null));
    }
    return this.running;
  }

  private async runOnce(): Promise<{ result: 'idle' | 'ran' | 'held elsewhere' | 'provider not effective'; runId: string | null; sent: number; timedOut: number }> {
    // Crypto-shredding: the key of every request that became final since the last tick is destroyed (SPEC §8).
    const shredded = await this.keys.shredFinal();
    if (shredded > 0) this.logger.log(`Destroyed the keys of ${shredded} final request(s).`);
    // While the provider is NOT_EFFECTIVE nothing is sent and no outcome timeout runs (SPEC §11); the
    // connector's mirror of the state is written again on every tick, so a missed write heals.
    if ((await this.provider.syncMirror()).state !== 'EFFECTIVE') return { result: 'provider not effective', runId: null, sent: 0, timedOut: 0 };
    const now = this.clock.now();
    const due = await this.readModel.findDue(now, this.settings.processingRunBatch);
    const overdue = await this.readModel.findAwaitingOutcome(
      new Date(now.getTime() - this.settings.outcomeTimeoutMs),
      this.settings.processingRunBatch,
    );
    const policy = {
      outcomeTimeoutMs: this.settings.outcomeTimeoutMs,
      maxAttempts: this.settings.maxDispatchAttempts,
    };
    // A send still inside its wait (the re-send delay doubles per attempt) or superseded would decide nothing: a run for it alone would only
    // write ProcessingRunStarted/Finished on every tick. The same pure decision is asked first, read-only.
    const sweepable: typeof overdue = [];
    for (const send of overdue) {
      const { state } = await this.commands.load(this.requests, send.id);
      if (this.requests.decider.decide({ type: 'SweepOverdueSend', published: send, policy, now }, state).length > 0) sweepable.push(send);
    }
    if (due.length === 0 && sweepable.length === 0) return { result: 'idle', runId: null, sent: 0, timedOut: 0 };
    const runId = this.ids.newId();
    const context = systemContext(runId, null);
    const leaseMs = Math.max(60_000, this.settings.processingRunIntervalMs * 10);
    const started = await this.commands.handle(processingRunStream, PROCESSING_RUN_STREAM, { type: 'StartRun', runId, instanceId: this.settings.instanceId, now, leaseMs }, { context, metric: 'start_run' });
    if (started.appended.length === 0) return { result: 'held elsewhere', runId: null, sent: 0, timedOut: 0 };
    let dispatched = 0;
    for (const request of due) {
      const result = await this.dispatcher.dispatch(request.id, runId, context);
      dispatched += result.appended.length;
    }
    let swept = 0;
    for (const send of sweepable) {
      const sweptAt = this.clock.now(); // drawn before deciding: the decision stays pure
      const result = await this.commands.handle(this.requests, send.id, { type: 'SweepOverdueSend', published: send, policy, now: sweptAt }, { context, metric: 'outcome_timeout' });
      swept += result.appended.length;
    }
    await this.commands.handle(processingRunStream, PROCESSING_RUN_STREAM, { type: 'FinishRun', runId, dispatched, timedOut: swept, now: this.clock.now() }, { context, metric: 'finish_run' });
    if (dispatched || swept) this.logger.log(`Run ${runId}: sent ${dispatched}, timed out ${swept}.`);
    return { result: 'ran', runId, sent: dispatched, timedOut: swept };
  }
}
