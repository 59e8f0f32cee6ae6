import 'reflect-metadata';
import { createApp } from '../app';
import { CreateRequestCommand, CreateRequestHandler } from '../application/request-types/create-request.handler';
import { ProvisioningRequestView } from '../application/ports/read-model.port';
import { loadConfigOrExit } from '../infrastructure/config/app-config';

/**
 * The benchmark's "edge alone" (issue 22): the service built exactly as main.ts builds it (token guard, rate
 * limit, compiled validation, request logging, envelope, presenter), except that the create handler stores
 * only the first request and answers that request's view for every later one. What is left per request is
 * the edge: no decision, no event, no read-model row. `npm run bench -- http` loads it as it loads create_pairing.
 */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const app = await createApp(config);
  const handler = app.get(CreateRequestHandler);
  const create = handler.execute.bind(handler);
  let first: Promise<ProvisioningRequestView> | null = null;
  handler.execute = (command: CreateRequestCommand) => (first ??= create(command));
  await app.listen(config.port, config.host);
}

void main();
