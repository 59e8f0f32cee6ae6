import { Logger } from '@nestjs/common';
import { openBus, openRequestKeys, openSqlDatabase } from '../infrastructure/adapters';
import { loadConfigOrExit } from '../infrastructure/config/app-config';
import { startConnectorRuntime } from '../infrastructure/conax/connector-runtime';
import { SqlConnectorLedger } from '../infrastructure/sql/sql-connector-ledger';
import { SqlProviderGate } from '../infrastructure/sql/sql-provider-gate';

/** `npm run connector`: the Conax connector as its own process (BUS=kafka, CONAX_URL, DATA_DIR for its ledger). */
async function main(): Promise<void> {
  const config = loadConfigOrExit(process.env, 'connector');
  const db = await openSqlDatabase(config);
  const bus = openBus(config);
  const runtime = await startConnectorRuntime(config, bus, new SqlConnectorLedger(db), openRequestKeys(config, db), new SqlProviderGate(db));
  new Logger('Connector').log(`Conax connector consuming ${config.topics.dispatch}`);
  const stop = async () => {
    // Bounded whatever is down (a broker that is gone never lets the consumer leave its group cleanly).
    setTimeout(() => {
      new Logger('Connector').error(`Shutdown did not end within ${config.shutdownTimeoutMs} ms; exiting now.`);
      process.exit(1);
    }, config.shutdownTimeoutMs).unref();
    await runtime.stop();
    await bus.close();
    await db.destroy();
    new Logger('Connector').log('Stopped.');
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
}

void main();
