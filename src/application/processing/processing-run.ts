import { Inject, Injectable, Logger } from '@nestjs/common';
import { decideOutcomeTimeout } from '../../domain/provisioning-request';
import { APP_SETTINGS, ApplicationSettings } from '../application-settings';
import { CLOCK, Clock } from '../ports/clock.port';
import { EVENT_STORE, EventStore, WrongExpectedRevisionError } from '../ports/event-store.port';
import { ID_GENERATOR, IdGenerator } from '../ports/id-generator.port';
import { READ_MODEL, ProvisioningRequestReadModel } from '../ports/read-model.port';
import { ProvisioningRequestStreams } from '../provisioning-request-streams';
import { SYSTEM_USER, systemContext } from '../system-user';
import { RequestDispatcher } from './request-dispatcher';

export const PROCESSING_RUN_STREAM = 'processing_run';

interface RunStarted {
  run_id: string;
  instance_id: string;
  started_at: string;
  lease_until: string;
}

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
  lastTick: { at: string; result: 'idle' | 'ran' | 'held elsewhere' | 'failed'; runId: string | null; sent: number; timedOut: number; error: string | null } | null;
}

@Injectable()
export class ProcessingRun {
  private readonly logger = new Logger(ProcessingRun.name);
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private last: ProcessingRunStatus['lastTick'] = null;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_MODEL) private readonly readModel: ProvisioningRequestReadModel,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
    @Inject(APP_SETTINGS) private readonly settings: ApplicationSettings,
    private readonly streams: ProvisioningRequestStreams,
    private readonly dispatcher: RequestDispatcher,
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

  private async runOnce(): Promise<{ result: 'idle' | 'ran' | 'held elsewhere'; runId: string | null; sent: number; timedOut: number }> {
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
      const { state } = await this.streams.load(send.id);
      if (decideOutcomeTimeout(state, now, send, policy).length > 0) sweepable.push(send);
    }
    if (due.length === 0 && sweepable.length === 0) return { result: 'idle', runId: null, sent: 0, timedOut: 0 };
    const lease = await this.acquireLease(now);
    if (!lease) return { result: 'held elsewhere', runId: null, sent: 0, timedOut: 0 };
    const context = systemContext(lease.runId, null);
    let dispatched = 0;
    for (const request of due) {
      const result = await this.dispatcher.dispatch(request.id, lease.runId, context);
      dispatched += result.appended.length;
    }
    let swept = 0;
    for (const send of sweepable) {
      const sweptAt = this.clock.now(); // drawn before deciding: the decision stays pure
      const result = await this.streams.decide('outcome_timeout', send.id, (state) => decideOutcomeTimeout(state, sweptAt, send, policy), context);
      swept += result.appended.length;
    }
    await this.finish(lease, dispatched, swept);
    if (dispatched || swept) this.logger.log(`Run ${lease.runId}: sent ${dispatched}, timed out ${swept}.`);
    return { result: 'ran', runId: lease.runId, sent: dispatched, timedOut: swept };
  }

  private async acquireLease(now: Date): Promise<{ runId: string; revision: bigint } | null> {
    const last = await this.store.readLastEvent(PROCESSING_RUN_STREAM);
    if (last?.type === 'ProcessingRunStarted') {
      const started = last.data as RunStarted;
      if (started.instance_id !== this.settings.instanceId && new Date(started.lease_until) > now) return null;
    }
    const runId = this.ids.newId();
    const leaseMs = Math.max(60_000, this.settings.processingRunIntervalMs * 10);
    const data: RunStarted = {
      run_id: runId,
      instance_id: this.settings.instanceId,
      started_at: now.toISOString(),
      lease_until: new Date(now.getTime() + leaseMs).toISOString(),
    };
    try {
      const result = await this.store.appendToStream(
        PROCESSING_RUN_STREAM,
        [this.runEvent('ProcessingRunStarted', data, runId)],
        last ? last.revision : 'no_stream',
      );
      return { runId, revision: result.nextRevision };
    } catch (error) {
      if (error instanceof WrongExpectedRevisionError) return null; // another instance started a run first
      throw error;
    }
  }

  private async finish(lease: { runId: string; revision: bigint }, dispatched: number, swept: number): Promise<void> {
    const data = { run_id: lease.runId, dispatched, timed_out: swept, finished_at: this.clock.now().toISOString() };
    try {
      await this.store.appendToStream(PROCESSING_RUN_STREAM, [this.runEvent('ProcessingRunFinished', data, lease.runId)], lease.revision);
    } catch (error) {
      if (!(error instanceof WrongExpectedRevisionError)) throw error;
    }
  }

  private runEvent(type: string, data: unknown, runId: string) {
    return {
      eventId: this.ids.newId(),
      type,
      data,
      metadata: {
        correlation_id: runId,
        causation_id: null,
        user: SYSTEM_USER,
        timestamp: this.clock.now().toISOString(),
        schema_version: 1,
      },
    };
  }
}
