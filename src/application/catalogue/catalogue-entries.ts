import { CatalogueService, CatalogueSmartcard } from '../ports/catalogue.port';

/**
 * Reads catalogue entries from outside (Kafka messages, import files). Every value is a string of 1–64
 * printable characters; `alternative_code` and `sub_provisioning_distribution_id` may be absent or null.
 */
export class CatalogueEntryError extends Error {}

const VALUE = /^[\x21-\x7e](?:[\x20-\x7e]{0,62}[\x21-\x7e])?$/;

function required(entry: Record<string, unknown>, key: string, where: string): string {
  const value = entry[key];
  if (typeof value !== 'string' || !VALUE.test(value)) throw new CatalogueEntryError(`${where}.${key} must be 1–64 printable characters`);
  return value;
}

function optional(entry: Record<string, unknown>, key: string, where: string): string | null {
  return entry[key] === undefined || entry[key] === null ? null : required(entry, key, where);
}

function objectAt(value: unknown, where: string): Record<string, unknown> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new CatalogueEntryError(`${where} must be an object`);
  return value as Record<string, unknown>;
}

export function parseService(value: unknown, where = 'service'): CatalogueService {
  const entry = objectAt(value, where);
  return {
    id: required(entry, 'id', where),
    code: required(entry, 'code', where),
    alternative_code: optional(entry, 'alternative_code', where),
    service_ca_id: required(entry, 'service_ca_id', where),
  };
}

export function parseSmartcard(value: unknown, where = 'smartcard'): CatalogueSmartcard {
  const entry = objectAt(value, where);
  return {
    id: required(entry, 'id', where),
    serial_number: required(entry, 'serial_number', where),
    alternative_code: optional(entry, 'alternative_code', where),
    smartcard_ca_id: required(entry, 'smartcard_ca_id', where),
    sub_provisioning_distribution_id: optional(entry, 'sub_provisioning_distribution_id', where),
  };
}

/** The import file: `{"services": [ … ], "smartcards": [ … ]}` (either list may be absent). */
export function parseCatalogueFile(value: unknown): { services: CatalogueService[]; smartcards: CatalogueSmartcard[] } {
  const file = objectAt(value, 'file');
  const list = (key: string): unknown[] => {
    if (file[key] === undefined) return [];
    if (!Array.isArray(file[key])) throw new CatalogueEntryError(`${key} must be an array`);
    return file[key] as unknown[];
  };
  return {
    services: list('services').map((item, index) => parseService(item, `services[${index}]`)),
    smartcards: list('smartcards').map((item, index) => parseSmartcard(item, `smartcards[${index}]`)),
  };
}

export const CATALOGUE_SERVICE_SCHEMA = 'conax.catalogue.service.v1';
export const CATALOGUE_SMARTCARD_SCHEMA = 'conax.catalogue.smartcard.v1';

export type CatalogueChange<T> = { action: 'upsert'; entry: T } | { action: 'delete'; id: string };

/**
 * One message of a catalogue topic (docs/asyncapi.yaml), keyed by the entry's id:
 * `{"schema": …, "action": "upsert", "<service|smartcard>": {…}}` or `{"schema": …, "action": "delete", "id": …}`.
 */
export function parseCatalogueMessage<T>(raw: string, schema: string, member: 'service' | 'smartcard', parse: (value: unknown, where: string) => T): CatalogueChange<T> {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new CatalogueEntryError('not JSON');
  }
  const message = objectAt(value, 'message');
  if (message.schema !== schema) throw new CatalogueEntryError(`schema must be ${schema}`);
  if (message.action === 'upsert') return { action: 'upsert', entry: parse(message[member], member) };
  if (message.action === 'delete') return { action: 'delete', id: required(message, 'id', 'message') };
  throw new CatalogueEntryError('action must be upsert or delete');
}
