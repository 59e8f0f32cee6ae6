import { Kysely } from 'kysely';
import {
  Catalogue,
  CatalogueService,
  CatalogueSmartcard,
  ServiceIdentifier,
  SmartcardIdentifier,
} from '../../application/ports/catalogue.port';
import { ReadModelDatabase } from './schema';

/** The catalogue in the read-model database, one code path for SQLite and PostgreSQL. */
export class SqlCatalogue implements Catalogue {
  constructor(private readonly db: Kysely<ReadModelDatabase>) {}

  async findService(identifier: ServiceIdentifier): Promise<CatalogueService | null> {
    const [column, value] = Object.entries(identifier)[0] as ['id' | 'code' | 'alternative_code', string];
    const row = await this.db
      .selectFrom('catalogue_services')
      .select(['id', 'code', 'alternative_code', 'service_ca_id'])
      .where(column, '=', value)
      .orderBy('id')
      .limit(1)
      .executeTakeFirst();
    return row ?? null;
  }

  async findSmartcard(identifier: SmartcardIdentifier): Promise<CatalogueSmartcard | null> {
    const [column, value] = Object.entries(identifier)[0] as ['id' | 'serial_number' | 'alternative_code', string];
    const row = await this.db
      .selectFrom('catalogue_smartcards')
      .select(['id', 'serial_number', 'alternative_code', 'smartcard_ca_id', 'sub_provisioning_distribution_id'])
      .where(column, '=', value)
      .orderBy('id')
      .limit(1)
      .executeTakeFirst();
    return row ?? null;
  }

  async upsertServices(services: readonly CatalogueService[]): Promise<void> {
    if (services.length === 0) return;
    const updated_at = new Date().toISOString();
    await this.db.transaction().execute(async (trx) => {
      for (const service of services) {
        const row = { ...service, alternative_code: service.alternative_code ?? null, updated_at };
        await trx.insertInto('catalogue_services').values(row).onConflict((oc) => oc.column('id').doUpdateSet(row)).execute();
      }
    });
  }

  async upsertSmartcards(smartcards: readonly CatalogueSmartcard[]): Promise<void> {
    if (smartcards.length === 0) return;
    const updated_at = new Date().toISOString();
    await this.db.transaction().execute(async (trx) => {
      for (const smartcard of smartcards) {
        const row = {
          ...smartcard,
          alternative_code: smartcard.alternative_code ?? null,
          sub_provisioning_distribution_id: smartcard.sub_provisioning_distribution_id ?? null,
          updated_at,
        };
        await trx.insertInto('catalogue_smartcards').values(row).onConflict((oc) => oc.column('id').doUpdateSet(row)).execute();
      }
    });
  }

  async deleteService(id: string): Promise<void> {
    await this.db.deleteFrom('catalogue_services').where('id', '=', id).execute();
  }

  async deleteSmartcard(id: string): Promise<void> {
    await this.db.deleteFrom('catalogue_smartcards').where('id', '=', id).execute();
  }

  async counts(): Promise<{ services: number; smartcards: number }> {
    const [services, smartcards] = await Promise.all([
      this.db.selectFrom('catalogue_services').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow(),
      this.db.selectFrom('catalogue_smartcards').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { services: Number(services.n), smartcards: Number(smartcards.n) };
  }
}
