import { Kysely } from 'kysely';
import { ParkedEvent, SubscriberCheckpoints } from '../../application/ports/subscriber-checkpoints.port';
import { CompiledOnce } from './compiled-once';
import { ReadModelDatabase } from './schema';
import { LeaseFence, LeaseLostError } from './sql-leases';

/**
 * Where each processor keeps its progress: its checkpoint and the events it parked. A leased processor's
 * checkpoint is written only while the lease row still names it (LeaseFence); every other SQL adapter that
 * writes a processor's effects (the view, the saga's publications) ends its transaction with `write` here.
 */
export class SqlCheckpoints implements SubscriberCheckpoints {
  /** Statements run with every processor batch, compiled once (see CompiledOnce). */
  private readonly statements = {
    checkpoint: new CompiledOnce((db, v: { name: string }) =>
      db.selectFrom('projection_checkpoints').select('position').where('name', '=', v.name),
    ),
    upsertCheckpoint: new CompiledOnce((db, v: { name: string; position: string; updated_at: string }) =>
      db
        .insertInto('projection_checkpoints')
        .values(v)
        .onConflict((oc) => oc.column('name').doUpdateSet({ position: v.position, updated_at: v.updated_at })),
    ),
    /** The same upsert by a leased processor: written only while the lease row still names it (LeaseFence). */
    fencedUpsertCheckpoint: new CompiledOnce((db, v: { name: string; position: string; updated_at: string; owner: string; token: number }) =>
      db
        .insertInto('projection_checkpoints')
        .columns(['name', 'position', 'updated_at'])
        .expression(
          db
            .selectNoFrom((eb) => [eb.val(v.name).as('name'), eb.val(v.position).as('position'), eb.val(v.updated_at).as('updated_at')])
            .where(this.leases!.stillHeld(db, v)), // compiled only for a name this process fenced
        )
        .onConflict((oc) => oc.column('name').doUpdateSet({ position: v.position, updated_at: v.updated_at })),
    ),
  };

  constructor(
    private readonly db: Kysely<ReadModelDatabase>,
    /** Checkpoint writes of leased processors carry their fence (none, as in a rebuild: every name unfenced). */
    private readonly leases: LeaseFence | null = null,
  ) {}

  async checkpoint(name: string): Promise<bigint | null> {
    const row = await this.statements.checkpoint.first(this.db, { name });
    return row ? BigInt(row.position) : null;
  }

  /** One statement, no transaction around it: the fence is part of the write (on PostgreSQL, one round trip). */
  async advanceCheckpoint(name: string, position: bigint): Promise<void> {
    await this.write(this.db, name, position);
  }

  /**
   * Writes a checkpoint (in the caller's transaction, as its last write): a leased processor's only while it
   * still holds the lease, else LeaseLostError, which rolls the transaction back.
   */
  async write(executor: Kysely<ReadModelDatabase>, name: string, position: bigint): Promise<void> {
    const checkpoint = { name, position: position.toString(), updated_at: new Date().toISOString() };
    const fence = this.leases?.fenceOf(name) ?? null;
    if (!fence) {
      await this.statements.upsertCheckpoint.run(executor, checkpoint);
      return;
    }
    const written = await this.statements.fencedUpsertCheckpoint.run(executor, { ...checkpoint, owner: fence.owner, token: fence.token });
    if (!written.numAffectedRows) throw new LeaseLostError(name);
  }

  async parkEvent(subscriber: string, event: { position: bigint; streamId: string; eventId: string; type: string }, reason: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('parked_events')
        .values({
          subscriber,
          position: event.position.toString(),
          stream_id: event.streamId.slice(0, 200),
          event_id: event.eventId.slice(0, 64),
          type: event.type.slice(0, 100),
          reason: reason.slice(0, 2000),
          parked_at: new Date().toISOString(),
        })
        .onConflict((oc) => oc.columns(['subscriber', 'position']).doNothing())
        .execute();
      await this.write(trx, subscriber, event.position);
    });
  }

  async parkedEventsOf(streamId: string): Promise<ParkedEvent[]> {
    const rows = await this.db.selectFrom('parked_events').selectAll().where('stream_id', '=', streamId).orderBy('parked_at').execute();
    return rows.map((r) => ({ subscriber: r.subscriber, position: BigInt(r.position), eventId: r.event_id, type: r.type, reason: r.reason, parkedAt: r.parked_at }));
  }
}
