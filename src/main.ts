import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createApp } from './app';
import { loadConfigOrExit } from './infrastructure/config/app-config';
import type { Logger as PinoLogger } from 'pino';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const app = await createApp(config);
  const logger = app.getHttpAdapter().getInstance().log as unknown as PinoLogger;
  const exit = (code: number) => logger.flush(() => process.exit(code));
  // The process owns its signals (not Nest's shutdown hooks, which re-raise the signal and so lose the log
  // lines still buffered): the shutdown bounds each of its steps; this timer bounds the rest (requests in
  // flight, Nest's own hooks), so the process ends whatever is down, its last lines written.
  let stopping = false;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      setTimeout(() => {
        new Logger('Shutdown').error(`Shutdown did not end within ${config.shutdownTimeoutMs} ms; exiting now.`);
        exit(1);
      }, config.shutdownTimeoutMs + 1_000).unref();
      new Logger('Shutdown').log(`${signal} received.`);
      app.close().then(
        () => exit(0),
        (error: unknown) => {
          new Logger('Shutdown').error(`Shutdown failed: ${(error as Error).message}`);
          exit(1);
        },
      );
    });
  }
  await app.listen(config.port, config.host);
  new Logger('Main').log(`Listening on http://${config.host}:${config.port}/crmapi/rest/v2 (OpenAPI at /docs)`);
}

void main();
