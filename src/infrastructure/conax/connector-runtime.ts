import { Logger } from '@nestjs/common';
import { ConaxConnector } from '../../application/connector/conax-connector';
import { systemClock } from '../../application/ports/clock.port';
import { ConnectorLedger } from '../../application/ports/connector-ledger.port';
import { RequestKeys } from '../../application/ports/request-keys.port';
import { ProviderGate } from '../../application/ports/provider-gate.port';
import { MessageBus } from '../../application/ports/message-bus.port';
import { AppConfig } from '../config/app-config';
import { RunningSimulator, startConaxSimulator } from '../conax-simulator/conax-simulator';
import { SoapConaxClient } from './soap-conax-client';

export interface ConnectorRuntime {
  connector: ConaxConnector;
  /** The in-process simulator, when CONAX_URL is not set. */
  simulator: RunningSimulator | null;
  stop(): Promise<void>;
}

/**
 * The longest one dispatch can keep a connector busy calling Conax: every call timing out, with the longest
 * backoff between them. A claim older than this belongs to a connector that is gone.
 */
export function connectorWorstCaseMs(config: AppConfig): number {
  const calls = config.conax.retry.maxAttempts + 1;
  return calls * config.conax.callTimeoutMs + config.conax.retry.maxAttempts * config.conax.retry.maxDelayMs;
}

/** Starts the connector (and, without CONAX_URL, the bundled simulator it then talks to). */
export async function startConnectorRuntime(config: AppConfig, bus: MessageBus, ledger: ConnectorLedger, keys: RequestKeys, provider: ProviderGate): Promise<ConnectorRuntime> {
  if (config.production && config.conax.url === null) throw new Error('The bundled Conax simulator never runs in production: set CONAX_URL.');
  const simulator = config.conax.url === null ? await startConaxSimulator({ ...config.simulator, username: config.conax.username, password: config.conax.password }) : null;
  const url = config.conax.url ?? simulator!.url;
  if (simulator) new Logger('ConaxSimulator').log(`Bundled Conax simulator at ${simulator.url} (calls log: GET /calls)`);
  const client = new SoapConaxClient({
    url,
    username: config.conax.username,
    password: config.conax.password,
    encoding: config.conax.encoding,
    callTimeoutMs: config.conax.callTimeoutMs,
  });
  const connector = new ConaxConnector(
    bus,
    client,
    ledger,
    keys,
    provider,
    { dispatch: config.topics.dispatch, outcomes: config.topics.outcomes },
    systemClock,
    config.conax.retry,
    { owner: config.instanceId, worstCaseMs: connectorWorstCaseMs(config) },
    config.conax.maxInFlight,
  );
  await connector.start();
  return {
    connector,
    simulator,
    async stop() {
      await connector.stop();
      await client.close();
      await simulator?.close();
    },
  };
}
