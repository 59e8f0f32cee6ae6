import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { CONAX_OPERATIONS } from '../../src/application/ports/conax-client.port';
import { PROVISIONING_REQUEST_EVENT_TYPES, REQUEST_TYPES } from '../../src/domain/provisioning-request';

/** docs/asyncapi.yaml names what the code sends: every event type, every Conax operation, every request type. */
describe('the AsyncAPI document against the code', () => {
  const document = parse(readFileSync(join(__dirname, '..', '..', 'docs', 'asyncapi.yaml'), 'utf8'));
  const sorted = (values: readonly string[]) => [...values].sort();

  it('lists every integration event type the service publishes', () => {
    const listed = document.components.messages.IntegrationEvent.payload.properties.type.enum as string[];
    expect(sorted(listed)).toEqual(sorted(PROVISIONING_REQUEST_EVENT_TYPES.map((type) => `conax.provisioning_request.${type}.v1`)));
  });

  it('lists every Conax operation a dispatch message can name', () => {
    expect(sorted(document.components.messages.Dispatch.payload.properties.operation.enum)).toEqual(sorted(CONAX_OPERATIONS));
  });

  it('lists every request type a creation event can carry, and a command can create', () => {
    expect(sorted(document.components.schemas.CreationEventData.properties.type.enum)).toEqual(sorted(REQUEST_TYPES));
    expect(sorted(document.components.messages.CreateCommand.payload.properties.type.enum)).toEqual(sorted(REQUEST_TYPES));
  });
});
