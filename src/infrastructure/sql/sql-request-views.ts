import { Kysely } from 'kysely';
import { AwaitingOutcome, ConaxQueue, DueRequest, ListFilter, Page, ProvisioningRequestReadModel, ViewChange, ProvisioningRequestView } from '../../application/ports/read-model.port';
import { Priority } from '../../domain/provisioning-request';
import { CompiledOnce, PreparedStatement } from './compiled-once';
import { ProvisioningRequestsTable, ReadModelDatabase } from './schema';
import { SqlCheckpoints } from './sql-checkpoints';

const PRIORITY_RANK: Record<string, number> = { EXPRESS: 0, REGULAR: 1 };
/** Rows per batched read or upsert (12 parameters a row stays far below either database's limit). */
const ROWS_PER_STATEMENT = 200;

/** A request view row as the projection reads it: its document is parsed only if an event changes the row. */
interface CurrentRow {
  revision: bigint;
  view(): ProvisioningRequestView;
}

/**
 * The request view in SQL, one code path for SQLite and PostgreSQL. Filter and order columns are real
 * columns; the response document is stored whole as JSON, so a query never reassembles it.
 */
export class SqlRequestViews implements ProvisioningRequestReadModel {
  /** `table`: the live view, or a rebuild's table beside it. */
  private readonly table: 'provisioning_requests';
  /** Statements run with every request, compiled once (see CompiledOnce). */
  private readonly statements = {
    viewRow: new CompiledOnce((db, v: { id: string }) => db.selectFrom(this.table).select(['document', 'revision']).where('id', '=', v.id)),
  };

  constructor(
    private readonly db: Kysely<ReadModelDatabase>,
    /** Where the projection's checkpoint is written, with its rows. */
    private readonly checkpoints: SqlCheckpoints,
    table = 'provisioning_requests',
  ) {
    this.table = table as 'provisioning_requests';
  }

  /**
   * One transaction per batch that changes rows, whatever its size: the batch's rows are read in one
   * statement, every change is applied in memory (a row touched twice sees its first change), and the changed
   * rows are written back in one upsert per ROWS_PER_STATEMENT, with the checkpoint. Statements per batch, not per event, were what
   * a busy projection spent its time on, above all on PostgreSQL where each is a round trip (BENCHMARKS.md).
   */
  async applyEvents(projection: string, position: bigint, changes: readonly ViewChange[]): Promise<void> {
    const ids = [...new Set(changes.map((change) => change.requestId))];
    // Behind inline writes a batch most often finds every row already at its event's revision: then the
    // checkpoint is the only write, one statement needs no transaction around it (on PostgreSQL two round
    // trips instead of four), and a row's revision never goes back, so what was read stays true.
    if (!(await this.anyRowBehind(ids, changes))) {
      await this.checkpoints.write(this.db, projection, position);
      return;
    }
    await this.db.transaction().execute(async (trx) => {
      const current = await this.currentViews(trx, ids);
      const changed = new Map<string, ViewRow>();
      for (const { requestId, revision, update } of changes) {
        const row = current.get(requestId);
        if (row && row.revision >= revision) continue;
        const next = update(row ? row.view() : null);
        if (!next) continue;
        current.set(requestId, { revision, view: () => next });
        changed.set(requestId, viewRow(next, revision));
      }
      const rows = [...changed.values()];
      for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
        await upsertViewRows(trx, this.table, rows.slice(i, i + ROWS_PER_STATEMENT)).execute();
      }
      await this.checkpoints.write(trx, projection, position);
    });
  }

  /** Whether any change is for a row that is missing or at an older revision than its event. */
  private async anyRowBehind(ids: string[], changes: readonly ViewChange[]): Promise<boolean> {
    const revisions = new Map<string, bigint>();
    for (let i = 0; i < ids.length; i += ROWS_PER_STATEMENT) {
      const rows = await this.db.selectFrom(this.table).select(['id', 'revision']).where('id', 'in', ids.slice(i, i + ROWS_PER_STATEMENT)).execute();
      for (const row of rows) revisions.set(row.id, BigInt(row.revision));
    }
    return changes.some((change) => (revisions.get(change.requestId) ?? -1n) < change.revision);
  }

  /** The rows as they stand, each document parsed only when asked for. */
  private async currentViews(trx: Kysely<ReadModelDatabase>, ids: string[]): Promise<Map<string, CurrentRow>> {
    const current = new Map<string, CurrentRow>();
    for (let i = 0; i < ids.length; i += ROWS_PER_STATEMENT) {
      const rows = await trx
        .selectFrom(this.table)
        .select(['id', 'document', 'revision'])
        .where('id', 'in', ids.slice(i, i + ROWS_PER_STATEMENT))
        .execute();
      for (const { id, document, revision } of rows) current.set(id, { revision: BigInt(revision), view: () => JSON.parse(document) as ProvisioningRequestView });
    }
    return current;
  }

  async putView(view: ProvisioningRequestView, revision: bigint): Promise<void> {
    const row = viewRow(view, revision);
    await this.db
      .insertInto(this.table)
      .values(row)
      .onConflict((oc) => oc.column('id').doUpdateSet(row).where(`${this.table}.revision`, '<=', row.revision))
      .execute();
  }

  async newest(limit: number, offset: number): Promise<ProvisioningRequestView[]> {
    const rows = await this.db.selectFrom(this.table).select('document').orderBy('number_value', 'desc').limit(limit).offset(offset).execute();
    return rows.map((row) => JSON.parse(row.document) as ProvisioningRequestView);
  }

  async findById(id: string): Promise<ProvisioningRequestView | null> {
    const row = await this.statements.viewRow.first(this.db, { id });
    return row ? JSON.parse(row.document) : null;
  }

  async findOwned(identifier: { id: string } | { number: string }, organisation: string): Promise<ProvisioningRequestView | null> {
    // One indexed lookup either way: a missing request and another organisation's cost the same.
    let query = this.db.selectFrom(this.table).select('document').where('organisation', '=', organisation);
    query = 'id' in identifier ? query.where('id', '=', identifier.id) : query.where('number', '=', identifier.number);
    const row = await query.executeTakeFirst();
    return row ? JSON.parse(row.document) : null;
  }

  async list(filter: ListFilter, page: Page): Promise<ProvisioningRequestView[]> {
    let query = this.db.selectFrom(this.table).select('document').where('organisation', '=', filter.organisation);
    if (filter.type !== undefined) query = query.where('type', '=', filter.type);
    if (filter.life_cycle_state !== undefined) query = query.where('life_cycle_state', '=', filter.life_cycle_state);
    if (filter.reference_number !== undefined) query = query.where('reference_number', '=', filter.reference_number);
    const rows = await query.orderBy('number_value', 'desc').limit(page.limit).offset(page.offset).execute();
    return rows.map((row) => JSON.parse(row.document));
  }

  async findDue(now: Date, limit: number): Promise<DueRequest[]> {
    const rows = await this.db
      .selectFrom(this.table)
      .select(['id', 'priority_rank'])
      .where('life_cycle_state', '=', 'PENDING')
      .where('last_dispatched_at', 'is', null)
      .where((eb) => eb.or([eb('scheduled_at', 'is', null), eb('scheduled_at', '<=', now.toISOString())]))
      .orderBy('priority_rank')
      .orderBy('due_at')
      .orderBy('number_value')
      .limit(limit)
      .execute();
    return rows.map((row) => ({ id: row.id, priority: (row.priority_rank === 0 ? 'EXPRESS' : 'REGULAR') as Priority }));
  }

  async findAwaitingOutcome(sentBefore: Date, limit: number): Promise<AwaitingOutcome[]> {
    const rows = await this.db
      .selectFrom('dispatch_publications as p')
      .innerJoin(`${this.table} as r`, 'r.id', 'p.request_id')
      .select(['p.request_id', 'p.attempt', 'p.published_at'])
      .where('r.life_cycle_state', '=', 'PENDING')
      .where('p.published_at', '<=', sentBefore.toISOString())
      .orderBy('p.published_at')
      .limit(limit)
      .execute();
    return rows.map((row) => ({ id: row.request_id, attempt: Number(row.attempt), publishedAt: new Date(row.published_at) }));
  }

  async conaxQueue(now: Date): Promise<ConaxQueue> {
    const row = await this.db
      .selectFrom(this.table)
      .select((eb) => [eb.fn.countAll<number | string>().as('waiting'), eb.fn.min<string | null>('due_at').as('oldest')])
      .where('life_cycle_state', '=', 'PENDING')
      .where((eb) => eb.or([eb('scheduled_at', 'is', null), eb('scheduled_at', '<=', now.toISOString())]))
      .executeTakeFirst();
    return { waiting: Number(row?.waiting ?? 0), oldestDueAt: row?.oldest ? new Date(row.oldest) : null };
  }
}

/** Every column of a view row, once: a column missing here, or one the table does not have, does not compile. */
const VIEW_ROW_COLUMN_SET: Record<keyof ProvisioningRequestsTable, true> = {
  id: true,
  number: true,
  number_value: true,
  organisation: true,
  type: true,
  life_cycle_state: true,
  reference_number: true,
  priority_rank: true,
  due_at: true,
  scheduled_at: true,
  last_dispatched_at: true,
  revision: true,
  document: true,
};
export const VIEW_ROW_COLUMNS = Object.keys(VIEW_ROW_COLUMN_SET) as Array<keyof ProvisioningRequestsTable>;

/** A row of the view table (a type alias, so it reads as a record of its columns). */
export type ViewRow = { [Column in keyof ProvisioningRequestsTable]: ProvisioningRequestsTable[Column] };

/**
 * Upserts whole view rows, each only over an older revision: of two writers racing on one row (the inline
 * write and the projection that follows the log, or a paused instance that lost its lease and its
 * successor), an older revision never overwrites a newer one.
 */
function upsertViewRows(db: Kysely<ReadModelDatabase>, table: 'provisioning_requests', rows: readonly ViewRow[]) {
  return db
    .insertInto(table)
    .values(rows)
    .onConflict((oc) =>
      oc
        .column('id')
        .doUpdateSet((eb) => Object.fromEntries(VIEW_ROW_COLUMNS.map((column) => [column, eb.ref(`excluded.${column}`)])))
        .where(`${table}.revision`, '<', (eb) => eb.ref('excluded.revision')),
    );
}

/**
 * The inline projection's write of one row, for an event store to run itself in its own append transaction:
 * the projection's upsert, compiled for `db`'s dialect.
 */
export function inlineViewUpsert(db: Kysely<ReadModelDatabase>): PreparedStatement<ViewRow> {
  return new CompiledOnce((db, row: ViewRow) => upsertViewRows(db, 'provisioning_requests', [row])).prepare(db, VIEW_ROW_COLUMNS);
}

/** The row of `view` at `revision`: filter and order columns, and the response document whole. */
export function viewRow(view: ProvisioningRequestView, revision: bigint): ViewRow {
  return {
    id: view.id,
    number: view.number,
    number_value: view.number,
    organisation: view.internal.organisation,
    type: view.type,
    life_cycle_state: view.life_cycle_state,
    reference_number: view.reference_number,
    priority_rank: PRIORITY_RANK[view.priority] ?? 1,
    due_at: view.internal.due_at,
    scheduled_at: view.internal.scheduled_at,
    last_dispatched_at: view.internal.last_dispatched_at,
    revision: revision.toString(),
    document: JSON.stringify(view),
  };
}
