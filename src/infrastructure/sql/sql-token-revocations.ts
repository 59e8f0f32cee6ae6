import { Kysely } from 'kysely';
import { TokenRevocations } from '../http/auth/token-revocations';
import { perTurnBatch } from '../per-turn-batch';
import { ReadModelDatabase } from './schema';

/** Rows per batched read. */
const ROWS_PER_STATEMENT = 200;

/** Released tokens, shared by every instance through the read-model database. */
export class SqlTokenRevocations implements TokenRevocations {
  /**
   * Every authenticated request asks whether its token was released, and must ask the database (another
   * instance may have released it). The questions asked in one turn of the event loop go as one statement:
   * under load that is one round trip for many requests instead of one each. Nothing is cached between turns.
   */
  private readonly releasedTokens = perTurnBatch<string, boolean>(async (tokenIds) => {
    const found = new Set<string>();
    for (let i = 0; i < tokenIds.length; i += ROWS_PER_STATEMENT) {
      const rows = await this.db.selectFrom('released_tokens').select('token_id').where('token_id', 'in', tokenIds.slice(i, i + ROWS_PER_STATEMENT)).execute();
      for (const row of rows) found.add(row.token_id);
    }
    return tokenIds.map((tokenId) => found.has(tokenId));
  });

  constructor(private readonly db: Kysely<ReadModelDatabase>) {}

  async revoke(tokenId: string, expiresAt: Date): Promise<void> {
    await this.db
      .insertInto('released_tokens')
      .values({ token_id: tokenId, expires_at: expiresAt.toISOString() })
      .onConflict((oc) => oc.column('token_id').doNothing())
      .execute();
    // Released tokens matter only until they would have expired anyway.
    await this.db.deleteFrom('released_tokens').where('expires_at', '<', new Date().toISOString()).execute();
  }

  isRevoked(tokenId: string): Promise<boolean> {
    return this.releasedTokens.load(tokenId);
  }

}
