/**
 * The local catalogue of reference data other services own (SPEC §4): services from the product catalogue
 * and smartcards from inventory. Fed by upsert/delete messages (and, on the embedded default, by an import
 * file); read when an add_subscriptions / cancel_subscriptions request is created.
 */
export interface CatalogueService {
  id: string;
  code: string;
  alternative_code: string | null;
  service_ca_id: string;
}

export interface CatalogueSmartcard {
  id: string;
  serial_number: string;
  alternative_code: string | null;
  smartcard_ca_id: string;
  sub_provisioning_distribution_id: string | null;
}

/** Exactly one key. */
export type ServiceIdentifier = { id: string } | { code: string } | { alternative_code: string };
export type SmartcardIdentifier = { id: string } | { serial_number: string } | { alternative_code: string };

export interface Catalogue {
  /** The entry the identifier names; when a code names several, the one with the smallest id. */
  findService(identifier: ServiceIdentifier): Promise<CatalogueService | null>;
  findSmartcard(identifier: SmartcardIdentifier): Promise<CatalogueSmartcard | null>;
  /** Upserts by id, all in one transaction: repeating an upsert changes nothing. */
  upsertServices(services: readonly CatalogueService[]): Promise<void>;
  upsertSmartcards(smartcards: readonly CatalogueSmartcard[]): Promise<void>;
  /** Deleting an id that is not there changes nothing. */
  deleteService(id: string): Promise<void>;
  deleteSmartcard(id: string): Promise<void>;
  counts(): Promise<{ services: number; smartcards: number }>;
}

export const CATALOGUE = Symbol('Catalogue');
