import { UserRef } from './ports/event-store.port';
import { derivedId } from './ports/id-generator.port';
import { CommandContext } from './command-handling/command-handler';

/** The service itself, as the user of the events it records on its own (dispatches, outcomes, timeouts). */
export const SYSTEM_USER: UserRef = {
  id: derivedId('system-user', 'conax-provisioning'),
  username: 'conax-provisioning',
  person_name: 'Conax provisioning service',
  email: null,
};

export function systemContext(correlationId: string, causationId: string | null): CommandContext {
  return { user: SYSTEM_USER, correlationId, causationId };
}
