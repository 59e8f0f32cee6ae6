import { Kysely } from 'kysely';
import { DeadLetter, ParkedEventEntry, ParkedWorkStore } from '../../application/ports/parked-work.port';
import { ReadModelDatabase } from './schema';

/** Parked events (written by the subscribers' checkpoints) and collected dead letters, in the read-model database. */
export class SqlParkedWork implements ParkedWorkStore {
  constructor(private readonly db: Kysely<ReadModelDatabase>) {}

  async parkedEvents(): Promise<ParkedEventEntry[]> {
    const rows = await this.db.selectFrom('parked_events').selectAll().orderBy('parked_at').orderBy('subscriber').execute();
    return rows.map(toParkedEvent);
  }

  async parkedEvent(subscriber: string, position: bigint): Promise<ParkedEventEntry | null> {
    const row = await this.db
      .selectFrom('parked_events')
      .selectAll()
      .where('subscriber', '=', subscriber)
      .where('position', '=', position.toString())
      .executeTakeFirst();
    return row ? toParkedEvent(row) : null;
  }

  async releaseParkedEvent(subscriber: string, position: bigint): Promise<void> {
    await this.db.deleteFrom('parked_events').where('subscriber', '=', subscriber).where('position', '=', position.toString()).execute();
  }

  async keepDeadLetter(deadLetter: DeadLetter): Promise<void> {
    await this.db
      .insertInto('dead_letters')
      .values({
        id: deadLetter.id,
        dlq_topic: deadLetter.dlqTopic,
        source_topic: deadLetter.sourceTopic,
        key: deadLetter.key,
        value: deadLetter.value,
        headers: JSON.stringify(deadLetter.headers),
        reason: deadLetter.reason,
        parked_at: deadLetter.parkedAt,
      })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
  }

  async deadLetters(): Promise<DeadLetter[]> {
    const rows = await this.db.selectFrom('dead_letters').selectAll().orderBy('parked_at').orderBy('id').execute();
    return rows.map(toDeadLetter);
  }

  async deadLetter(id: string): Promise<DeadLetter | null> {
    const row = await this.db.selectFrom('dead_letters').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toDeadLetter(row) : null;
  }

  async releaseDeadLetter(id: string): Promise<void> {
    await this.db.deleteFrom('dead_letters').where('id', '=', id).execute();
  }
}

function toParkedEvent(row: { subscriber: string; position: string; stream_id: string; event_id: string; type: string; reason: string; parked_at: string }): ParkedEventEntry {
  return {
    subscriber: row.subscriber,
    position: BigInt(row.position),
    streamId: row.stream_id,
    eventId: row.event_id,
    type: row.type,
    reason: row.reason,
    parkedAt: row.parked_at,
  };
}

function toDeadLetter(row: ReadModelDatabase['dead_letters']): DeadLetter {
  return {
    id: row.id,
    dlqTopic: row.dlq_topic,
    sourceTopic: row.source_topic,
    key: row.key,
    value: row.value,
    headers: JSON.parse(row.headers) as Record<string, string>,
    reason: row.reason,
    parkedAt: row.parked_at,
  };
}
