import { Inject, Injectable } from '@nestjs/common';
import { CONAX_PROVIDER_STREAM, conaxProviderDecider, ProviderState, ProviderStatus } from '../../domain/conax-provider/conax-provider.decider';
import { logStream, StreamCommandHandler } from '../command-handling/command-handler';
import { CLOCK, Clock } from '../ports/clock.port';
import { PROVIDER_GATE, ProviderGate } from '../ports/provider-gate.port';
import { Operator, OperatorActions } from './operator-actions';

const providerStream = logStream(CONAX_PROVIDER_STREAM, conaxProviderDecider);

/**
 * The Conax provider switch (SPEC §11). The provider stream is the truth; the service asks it before
 * sending anything (processing run, process_immediately), and mirrors it for the connector, which holds
 * every call while it says NOT_EFFECTIVE.
 */
@Injectable()
export class ConaxProvider {
  constructor(
    private readonly commands: StreamCommandHandler,
    private readonly actions: OperatorActions,
    @Inject(PROVIDER_GATE) private readonly gate: ProviderGate,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async status(): Promise<ProviderStatus> {
    return (await this.commands.load(providerStream, CONAX_PROVIDER_STREAM)).state;
  }

  async effective(): Promise<boolean> {
    return (await this.status()).state === 'EFFECTIVE';
  }

  /** Switches it (a switch to the state it is in changes nothing and records nothing), then tells the connector. */
  async switch(state: ProviderState, reason: string, operator: Operator): Promise<ProviderStatus> {
    const handled = await this.commands.handle(
      providerStream,
      CONAX_PROVIDER_STREAM,
      { type: 'SwitchProvider', state, reason, organisation: operator.organisation, now: this.clock.now() },
      { context: { user: operator.user, correlationId: operator.correlationId, causationId: null }, metric: 'switch_provider' },
    );
    await this.gate.mirror(handled.state);
    if (handled.appended.length > 0) {
      await this.actions.record('ConaxProviderSwitched', { kind: 'provider', target: { state }, reason, organisation: operator.organisation }, operator.user, operator.correlationId);
    }
    return handled.state;
  }

  /** Writes the stream's state to the connector's mirror again (a switch whose mirror write failed heals here). */
  async syncMirror(): Promise<ProviderStatus> {
    const status = await this.status();
    await this.gate.mirror(status);
    return status;
  }
}
