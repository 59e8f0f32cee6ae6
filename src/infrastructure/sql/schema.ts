import { Kysely, Migration, MigrationProvider, Migrator, sql } from 'kysely';
import type { BatchSummary } from '../../application/ports/batch-store.port';

export interface ProvisioningRequestsTable {
  id: string;
  number: string;
  number_value: number | string;
  organisation: string | null;
  type: string;
  life_cycle_state: string;
  reference_number: string | null;
  priority_rank: number;
  due_at: string;
  /** The request's scheduled date; null when it has none (then it is due at once, whatever the clock says). */
  scheduled_at: string | null;
  last_dispatched_at: string | null;
  revision: number | string;
  document: string;
}

export interface ProjectionCheckpointsTable {
  name: string;
  position: string;
  updated_at: string;
}

export interface ReleasedTokensTable {
  token_id: string;
  expires_at: string;
}

export interface ConnectorOutcomesTable {
  request_id: string;
  outcome: string;
  recorded_at: string;
}

export interface ParkedEventsTable {
  subscriber: string;
  position: string;
  stream_id: string;
  event_id: string;
  type: string;
  reason: string;
  parked_at: string;
}

export interface ConnectorClaimsTable {
  request_id: string;
  owner: string;
  claimed_at: string;
  /** After this instant the claimer can no longer be calling Conax for it (its deadline plus one call). */
  stale_at: string;
}

export interface DispatchPublicationsTable {
  request_id: string;
  attempt: number;
  published_at: string;
}

export interface SubscriberLeasesTable {
  name: string;
  owner: string;
  expires_at: string;
  /** Grows by one at each change of holder: the holder's writes prove they are still the holder's. */
  token: number;
}

export interface CatalogueServicesTable {
  id: string;
  code: string;
  alternative_code: string | null;
  service_ca_id: string;
  updated_at: string;
}

export interface CatalogueSmartcardsTable {
  id: string;
  serial_number: string;
  alternative_code: string | null;
  smartcard_ca_id: string;
  sub_provisioning_distribution_id: string | null;
  updated_at: string;
}

export interface DeadLettersTable {
  id: string;
  dlq_topic: string;
  source_topic: string;
  key: string;
  value: string;
  headers: string;
  reason: string;
  parked_at: string;
}

/** One key per request that holds a secret (SPEC §8), wrapped under PIN_ENCRYPTION_KEY; deleted once the request is final. */
export interface RequestKeysTable {
  request_id: string;
  /** base64: iv (12 bytes), tag (16 bytes), then the wrapped 32-byte key. */
  wrapped_key: string;
  created_at: string;
}

/** The Conax provider's state as the connector reads it (SPEC §11); one row, id 1. */
export interface ConaxProviderStateTable {
  id: number;
  state: 'EFFECTIVE' | 'NOT_EFFECTIVE';
  reason: string | null;
  since: string | null;
}

/** An upload of a batch (SPEC §10): staged before the batch stream records the submission that names it. */
export interface BatchUploadsTable {
  upload_id: string;
  batch_id: string;
  staged_at: string;
}

export interface BatchItemsTable {
  upload_id: string;
  line: number;
  /** The validated body (JSON); null for an item refused at submission. */
  body: string | null;
  /** Why it became no request (at submission, or when its request was refused); null otherwise. */
  error: string | null;
}

/** The batches' list, kept from the batch streams by the batch index; each row names its batch's upload. */
export type BatchesTable = BatchSummary & { upload_id: string };

export interface ReadModelDatabase {
  batch_uploads: BatchUploadsTable;
  batch_items: BatchItemsTable;
  batches: BatchesTable;
  conax_provider_state: ConaxProviderStateTable;
  request_keys: RequestKeysTable;
  dead_letters: DeadLettersTable;
  catalogue_services: CatalogueServicesTable;
  catalogue_smartcards: CatalogueSmartcardsTable;
  parked_events: ParkedEventsTable;
  connector_claims: ConnectorClaimsTable;
  dispatch_publications: DispatchPublicationsTable;
  subscriber_leases: SubscriberLeasesTable;
  connector_outcomes: ConnectorOutcomesTable;
  provisioning_requests: ProvisioningRequestsTable;
  projection_checkpoints: ProjectionCheckpointsTable;
  released_tokens: ReleasedTokensTable;
}

/**
 * The request-view table. The rebuild command creates a second one beside the live one (other table and
 * index names) and swaps it in, so this is the one definition of both: the table as migration 0001 made
 * it, plus what later migrations added.
 */
export async function createRequestViewTable(db: Kysely<any>, table: string, indexPrefix: string): Promise<void> {
  await createRequestViewTableV1(db, table, indexPrefix);
  await addOrganisationColumn(db, table, indexPrefix);
  await addScheduledColumnAndReferenceIndex(db, table, indexPrefix);
}

async function createRequestViewTableV1(db: Kysely<any>, table: string, indexPrefix: string): Promise<void> {
  await db.schema
    .createTable(table)
    .addColumn('id', 'varchar(32)', (c) => c.primaryKey())
    .addColumn('number', 'varchar(32)', (c) => c.notNull().unique())
    .addColumn('number_value', 'bigint', (c) => c.notNull())
    .addColumn('type', 'varchar(64)', (c) => c.notNull())
    .addColumn('life_cycle_state', 'varchar(16)', (c) => c.notNull())
    .addColumn('reference_number', 'varchar(128)')
    .addColumn('priority_rank', 'integer', (c) => c.notNull())
    .addColumn('due_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('last_dispatched_at', 'varchar(32)')
    .addColumn('revision', 'bigint', (c) => c.notNull())
    .addColumn('document', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex(`${indexPrefix}_number_value`).on(table).column('number_value').execute();
  await db.schema
    .createIndex(`${indexPrefix}_due`)
    .on(table)
    .columns(['life_cycle_state', 'priority_rank', 'due_at', 'number_value'])
    .execute();
  await db.schema.createIndex(`${indexPrefix}_reference`).on(table).column('reference_number').execute();
}

async function addOrganisationColumn(db: Kysely<any>, table: string, indexPrefix: string): Promise<void> {
  await db.schema.alterTable(table).addColumn('organisation', 'varchar(64)').execute();
  await db.schema.createIndex(`${indexPrefix}_organisation`).on(table).columns(['organisation', 'number_value']).execute();
}

/**
 * `scheduled_at`: a request without a scheduled date is due whatever the clock says (its `due_at`, the time it
 * was requested, would keep it waiting after a backward step of the wall clock). The reference index leads
 * with the organisation, as every list query does, so a lookup by reference number reads only its rows.
 */
async function addScheduledColumnAndReferenceIndex(db: Kysely<any>, table: string, indexPrefix: string): Promise<void> {
  await db.schema.alterTable(table).addColumn('scheduled_at', 'varchar(32)').execute();
  await db.schema.createIndex(`${indexPrefix}_organisation_reference`).on(table).columns(['organisation', 'reference_number', 'number_value']).execute();
}

/** Migrations are code, in order, the same for SQLite and PostgreSQL (Kysely builds the dialect's SQL). */
const migrations: Record<string, Migration> = {
  '0001_request_view': {
    async up(db: Kysely<any>) {
      await createRequestViewTableV1(db, 'provisioning_requests', 'provisioning_requests');
      await db.schema
        .createTable('projection_checkpoints')
        .addColumn('name', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('position', 'varchar(40)', (c) => c.notNull())
        .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('released_tokens')
        .addColumn('token_id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('expires_at', 'varchar(32)', (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<any>) {
      await sql`DROP TABLE IF EXISTS provisioning_requests`.execute(db);
      await sql`DROP TABLE IF EXISTS projection_checkpoints`.execute(db);
      await sql`DROP TABLE IF EXISTS released_tokens`.execute(db);
    },
  },
  '0002_connector_ledger': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('connector_outcomes')
        .addColumn('request_id', 'varchar(32)', (c) => c.primaryKey())
        .addColumn('outcome', 'text', (c) => c.notNull())
        .addColumn('recorded_at', 'varchar(32)', (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<any>) {
      await sql`DROP TABLE IF EXISTS connector_outcomes`.execute(db);
    },
  },
  '0003_subscriber_leases': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('subscriber_leases')
        .addColumn('name', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('owner', 'varchar(128)', (c) => c.notNull())
        .addColumn('expires_at', 'varchar(32)', (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<any>) {
      await sql`DROP TABLE IF EXISTS subscriber_leases`.execute(db);
    },
  },
  '0004_request_organisation': {
    // Rows projected before organisations carry none: the view is emptied and its checkpoint dropped, so
    // the projection rebuilds it from the events (which the codec upcasts with their organisation).
    async up(db: Kysely<any>) {
      await addOrganisationColumn(db, 'provisioning_requests', 'provisioning_requests');
      await db.schema.createIndex('released_tokens_expires_at').on('released_tokens').column('expires_at').execute();
      await db.deleteFrom('provisioning_requests').execute();
      await db.deleteFrom('projection_checkpoints').where('name', '=', 'request_view').execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropIndex('released_tokens_expires_at').execute();
      await db.schema.dropIndex('provisioning_requests_organisation').execute();
      await db.schema.alterTable('provisioning_requests').dropColumn('organisation').execute();
    },
  },
  '0005_dispatch_publications': {
    // When each request's newest attempt really left for the connector: the outcome timeout runs from here.
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('dispatch_publications')
        .addColumn('request_id', 'varchar(32)', (c) => c.primaryKey())
        .addColumn('attempt', 'integer', (c) => c.notNull())
        .addColumn('published_at', 'varchar(32)', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('dispatch_publications_published_at').on('dispatch_publications').column('published_at').execute();
    },
    async down(db: Kysely<any>) {
      await sql`DROP TABLE IF EXISTS dispatch_publications`.execute(db);
    },
  },
  '0006_connector_claims': {
    // A connector claims a request before calling Conax, so two connectors never both call for it.
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('connector_claims')
        .addColumn('request_id', 'varchar(32)', (c) => c.primaryKey())
        .addColumn('owner', 'varchar(128)', (c) => c.notNull())
        .addColumn('claimed_at', 'varchar(32)', (c) => c.notNull())
        .addColumn('stale_at', 'varchar(32)', (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<any>) {
      await sql`DROP TABLE IF EXISTS connector_claims`.execute(db);
    },
  },
  '0007_parked_events': {
    // Events a subscriber could not handle after repeated tries: kept for operators, skipped by the subscriber.
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('parked_events')
        .addColumn('subscriber', 'varchar(64)', (c) => c.notNull())
        .addColumn('position', 'varchar(40)', (c) => c.notNull())
        .addColumn('stream_id', 'varchar(200)', (c) => c.notNull())
        .addColumn('event_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('type', 'varchar(100)', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('parked_at', 'varchar(32)', (c) => c.notNull())
        .addPrimaryKeyConstraint('parked_events_pk', ['subscriber', 'position'])
        .execute();
      await db.schema.createIndex('parked_events_stream').on('parked_events').column('stream_id').execute();
    },
    async down(db: Kysely<any>) {
      await sql`DROP TABLE IF EXISTS parked_events`.execute(db);
    },
  },
  '0008_lease_fencing_tokens': {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('subscriber_leases').addColumn('token', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.alterTable('subscriber_leases').dropColumn('token').execute();
    },
  },
  '0009_catalogue': {
    // Reference data other services own (SPEC §4): looked up by id or by any of their codes.
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('catalogue_services')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('code', 'varchar(64)', (c) => c.notNull())
        .addColumn('alternative_code', 'varchar(64)')
        .addColumn('service_ca_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('catalogue_services_code').on('catalogue_services').column('code').execute();
      await db.schema.createIndex('catalogue_services_alternative_code').on('catalogue_services').column('alternative_code').execute();
      await db.schema
        .createTable('catalogue_smartcards')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('serial_number', 'varchar(64)', (c) => c.notNull())
        .addColumn('alternative_code', 'varchar(64)')
        .addColumn('smartcard_ca_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('sub_provisioning_distribution_id', 'varchar(64)')
        .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('catalogue_smartcards_serial_number').on('catalogue_smartcards').column('serial_number').execute();
      await db.schema.createIndex('catalogue_smartcards_alternative_code').on('catalogue_smartcards').column('alternative_code').execute();
    },
    async down(db: Kysely<any>) {
      await sql`DROP TABLE IF EXISTS catalogue_smartcards`.execute(db);
      await sql`DROP TABLE IF EXISTS catalogue_services`.execute(db);
    },
  },
  '0010_dead_letters': {
    // Messages parked on dead-letter topics, collected for operators to re-drive or discard.
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('dead_letters')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('dlq_topic', 'varchar(255)', (c) => c.notNull())
        .addColumn('source_topic', 'varchar(255)', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('headers', 'text', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('parked_at', 'varchar(32)', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('dead_letters_parked_at').on('dead_letters').column('parked_at').execute();
    },
    async down(db: Kysely<any>) {
      await sql`DROP TABLE IF EXISTS dead_letters`.execute(db);
    },
  },
  '0011_scheduled_at_and_reference_index': {
    // Rows projected before the column have none: the view is emptied and its checkpoint dropped, so the
    // projection rebuilds it from the events (as 0004 did).
    async up(db: Kysely<any>) {
      await addScheduledColumnAndReferenceIndex(db, 'provisioning_requests', 'provisioning_requests');
      await db.deleteFrom('provisioning_requests').execute();
      await db.deleteFrom('projection_checkpoints').where('name', '=', 'request_view').execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropIndex('provisioning_requests_organisation_reference').execute();
      await db.schema.alterTable('provisioning_requests').dropColumn('scheduled_at').execute();
    },
  },
  '0012_request_keys': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('request_keys')
        .addColumn('request_id', 'varchar(32)', (c) => c.primaryKey())
        .addColumn('wrapped_key', 'text', (c) => c.notNull())
        .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<any>) {
      await sql`DROP TABLE IF EXISTS request_keys`.execute(db);
    },
  },
  '0013_conax_provider_state': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('conax_provider_state')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('state', 'varchar(16)', (c) => c.notNull())
        .addColumn('reason', 'text')
        .addColumn('since', 'varchar(32)')
        .execute();
    },
    async down(db: Kysely<any>) {
      await sql`DROP TABLE IF EXISTS conax_provider_state`.execute(db);
    },
  },
  '0014_batches': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('batch_uploads')
        .addColumn('upload_id', 'varchar(32)', (c) => c.primaryKey())
        .addColumn('batch_id', 'varchar(32)', (c) => c.notNull())
        .addColumn('staged_at', 'varchar(32)', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('batch_items')
        .addColumn('upload_id', 'varchar(32)', (c) => c.notNull())
        .addColumn('line', 'integer', (c) => c.notNull())
        .addColumn('body', 'text')
        .addColumn('error', 'text')
        .addPrimaryKeyConstraint('batch_items_pk', ['upload_id', 'line'])
        .execute();
      await db.schema
        .createTable('batches')
        .addColumn('id', 'varchar(32)', (c) => c.primaryKey())
        .addColumn('upload_id', 'varchar(32)', (c) => c.notNull())
        .addColumn('organisation', 'varchar(255)', (c) => c.notNull())
        .addColumn('type', 'varchar(64)', (c) => c.notNull())
        .addColumn('state', 'varchar(16)', (c) => c.notNull())
        .addColumn('total', 'integer', (c) => c.notNull())
        .addColumn('accepted', 'integer', (c) => c.notNull())
        .addColumn('rejected', 'integer', (c) => c.notNull())
        .addColumn('created', 'integer', (c) => c.notNull())
        .addColumn('submitted_at', 'varchar(32)', (c) => c.notNull())
        .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('batches_organisation_submitted').on('batches').columns(['organisation', 'submitted_at']).execute();
      await db.schema.createIndex('batches_state').on('batches').column('state').execute();
    },
    async down(db: Kysely<any>) {
      await sql`DROP TABLE IF EXISTS batches`.execute(db);
      await sql`DROP TABLE IF EXISTS batch_items`.execute(db);
      await sql`DROP TABLE IF EXISTS batch_uploads`.execute(db);
    },
  },
};

class InCodeMigrations implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    return migrations;
  }
}

/**
 * `schema` (PostgreSQL): where Kysely keeps its migration tables. It must be named: Kysely looks for them
 * across all schemas, and would otherwise find another schema's and skip creating its own.
 */
export async function migrateReadModel(db: Kysely<ReadModelDatabase>, schema?: string): Promise<void> {
  const { error } = await new Migrator({ db, provider: new InCodeMigrations(), migrationTableSchema: schema }).migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
}
