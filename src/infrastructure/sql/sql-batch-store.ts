import { Kysely } from 'kysely';
import { BatchStore, BatchSummary, StagedItem } from '../../application/ports/batch-store.port';
import { RefusedItem } from '../../domain/batch/batch.decider';
import { ReadModelDatabase } from './schema';

/** Rows per INSERT statement: well under SQLite's 32,766 bound parameters and PostgreSQL's 65,535 (4 per row). */
const ROWS_PER_INSERT = 1_000;

/** The batches' tables in the read model's database (SQLite or PostgreSQL). */
export class SqlBatchStore implements BatchStore {
  constructor(private readonly db: Kysely<ReadModelDatabase>) {}

  async stage(uploadId: string, batchId: string, items: readonly StagedItem[], now: Date): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.insertInto('batch_uploads').values({ upload_id: uploadId, batch_id: batchId, staged_at: now.toISOString() }).execute();
      for (let i = 0; i < items.length; i += ROWS_PER_INSERT) {
        const rows = items.slice(i, i + ROWS_PER_INSERT).map((item) => ({ upload_id: uploadId, line: item.line, body: item.body, error: item.error }));
        await trx.insertInto('batch_items').values(rows).execute();
      }
    });
  }

  async acceptedItems(uploadId: string, afterLine: number, limit: number): Promise<Array<{ line: number; body: string }>> {
    const rows = await this.db
      .selectFrom('batch_items')
      .select(['line', 'body'])
      .where('upload_id', '=', uploadId)
      .where('line', '>', afterLine)
      .where('body', 'is not', null)
      .orderBy('line')
      .limit(limit)
      .execute();
    return rows.map((row) => ({ line: Number(row.line), body: row.body as string }));
  }

  async markRefused(uploadId: string, refused: readonly RefusedItem[]): Promise<void> {
    if (refused.length === 0) return;
    await this.db.transaction().execute(async (trx) => {
      for (const item of refused) await trx.updateTable('batch_items').set({ error: item.error }).where('upload_id', '=', uploadId).where('line', '=', item.line).execute();
    });
  }

  async refusedItems(uploadId: string, limit: number): Promise<RefusedItem[]> {
    const rows = await this.db
      .selectFrom('batch_items')
      .select(['line', 'error'])
      .where('upload_id', '=', uploadId)
      .where('error', 'is not', null)
      .orderBy('line')
      .limit(limit)
      .execute();
    return rows.map((row) => ({ line: Number(row.line), error: row.error as string }));
  }

  async saveSummary(summary: BatchSummary, uploadId: string): Promise<void> {
    const row = { ...summary, upload_id: uploadId };
    const { id: _id, ...changes } = row;
    await this.db
      .insertInto('batches')
      .values(row)
      .onConflict((oc) => oc.column('id').doUpdateSet(changes))
      .execute();
  }

  async summary(batchId: string): Promise<BatchSummary | null> {
    const row = await this.db.selectFrom('batches').selectAll().where('id', '=', batchId).executeTakeFirst();
    return row ? batchOfRow(row) : null;
  }

  async runningBatches(): Promise<string[]> {
    const rows = await this.db.selectFrom('batches').select('id').where('state', '=', 'RUNNING').orderBy('submitted_at').execute();
    return rows.map((row) => row.id);
  }

  async list(organisation: string, limit: number): Promise<BatchSummary[]> {
    const rows = await this.db.selectFrom('batches').selectAll().where('organisation', '=', organisation).orderBy('submitted_at', 'desc').orderBy('id').limit(limit).execute();
    return rows.map(batchOfRow);
  }

  async unnamedUploads(before: Date, limit: number): Promise<Array<{ uploadId: string; batchId: string }>> {
    const rows = await this.db
      .selectFrom('batch_uploads')
      .select(['upload_id', 'batch_id'])
      .where('staged_at', '<', before.toISOString())
      .where(({ not, exists, selectFrom }) => not(exists(selectFrom('batches').select('id').whereRef('batches.upload_id', '=', 'batch_uploads.upload_id'))))
      .limit(limit)
      .execute();
    return rows.map((row) => ({ uploadId: row.upload_id, batchId: row.batch_id }));
  }

  async deleteUpload(uploadId: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('batch_items').where('upload_id', '=', uploadId).execute();
      await trx.deleteFrom('batch_uploads').where('upload_id', '=', uploadId).execute();
    });
  }
}

function batchOfRow(row: ReadModelDatabase['batches']): BatchSummary {
  return {
    id: row.id,
    organisation: row.organisation,
    type: row.type,
    state: row.state,
    total: Number(row.total),
    accepted: Number(row.accepted),
    rejected: Number(row.rejected),
    created: Number(row.created),
    submitted_at: row.submitted_at,
    updated_at: row.updated_at,
  };
}
