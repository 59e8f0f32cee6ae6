import { createHash, randomUUID } from 'node:crypto';

/** IDs are 32-character upper-case hex (CRM.COM style). */
export interface IdGenerator {
  newId(): string;
}
export const ID_GENERATOR = Symbol('IdGenerator');

export const randomIds: IdGenerator = { newId: () => randomUUID().replace(/-/g, '').toUpperCase() };

/** A stable ID derived from a name, for things that must get the same ID every time they are named. */
export function derivedId(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 32).toUpperCase();
}
