import { ProviderStatus } from '../../domain/conax-provider/conax-provider.decider';

/**
 * The provider's state where the Conax connector can read it (the connector, a process of its own in
 * production, reaches the SQL database but not the event store). The service writes it after every switch
 * and again at every processing run tick, from the provider stream, which is the truth.
 */
export interface ProviderGate {
  mirror(status: ProviderStatus): Promise<void>;
  /** What was mirrored last; EFFECTIVE when nothing was. */
  status(): Promise<ProviderStatus>;
}

export const PROVIDER_GATE = Symbol('ProviderGate');
