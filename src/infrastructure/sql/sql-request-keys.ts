import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { Kysely } from 'kysely';
import { SealedSecret } from '../../domain/provisioning-request';
import { RequestKeys } from '../../application/ports/request-keys.port';
import { ReadModelDatabase } from './schema';

const ALGORITHM = 'aes-256-gcm';
/** A key with no request this long after it was made belongs to a create whose append never committed. */
const ORPHANED_AFTER_MS = 60 * 60 * 1000;

function encrypt(key: Buffer, plain: Buffer): { iv: Buffer; tag: Buffer; ciphertext: Buffer } {
  const iv = randomBytes(12);
  const cipher = createCipheriv(ALGORITHM, key, iv);
  const ciphertext = Buffer.concat([cipher.update(plain), cipher.final()]);
  return { iv, tag: cipher.getAuthTag(), ciphertext };
}

/** Null when the text was not sealed under this key (or was altered). */
function decrypt(key: Buffer, iv: Buffer, tag: Buffer, ciphertext: Buffer): Buffer | null {
  try {
    const decipher = createDecipheriv(ALGORITHM, key, iv);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch {
    return null;
  }
}

/** Request keys in the read model's database (the connector reads them there too), wrapped under the service's key. */
export class SqlRequestKeys implements RequestKeys {
  constructor(
    private readonly db: Kysely<ReadModelDatabase>,
    /** 32 bytes: PIN_ENCRYPTION_KEY, or the embedded default's key file. */
    private readonly wrappingKey: Buffer,
  ) {
    if (wrappingKey.length !== 32) throw new Error('The PIN encryption key must be 32 bytes.');
  }

  async seal(requestId: string, secret: string): Promise<SealedSecret> {
    const key = await this.keyOf(requestId, true);
    if (!key) throw new Error(`No key could be made for request ${requestId}.`);
    const { iv, tag, ciphertext } = encrypt(key, Buffer.from(secret, 'utf8'));
    return { ciphertext: ciphertext.toString('base64'), iv: iv.toString('base64'), tag: tag.toString('base64') };
  }

  async open(requestId: string, sealed: SealedSecret): Promise<string | null> {
    const key = await this.keyOf(requestId, false);
    if (!key) return null;
    const plain = decrypt(key, Buffer.from(sealed.iv, 'base64'), Buffer.from(sealed.tag, 'base64'), Buffer.from(sealed.ciphertext, 'base64'));
    return plain === null ? null : plain.toString('utf8');
  }

  /**
   * The view and the keys live in the same database. Also goes: a key made for a create whose append never
   * committed (no request row an hour later, far past any append's bound); it seals nothing anyone stored.
   */
  async shredFinal(now = new Date()): Promise<number> {
    const final = await this.db
      .deleteFrom('request_keys')
      .where('request_id', 'in', (db) => db.selectFrom('provisioning_requests').select('id').where('life_cycle_state', '<>', 'PENDING').where('id', 'in', (keys) => keys.selectFrom('request_keys').select('request_id')))
      .executeTakeFirst();
    const orphaned = await this.db
      .deleteFrom('request_keys')
      .where('created_at', '<', new Date(now.getTime() - ORPHANED_AFTER_MS).toISOString())
      .where('request_id', 'not in', (db) => db.selectFrom('provisioning_requests').select('id'))
      .executeTakeFirst();
    return Number(final.numDeletedRows) + Number(orphaned.numDeletedRows);
  }

  /** The request's key; with `create`, made first when it has none (the first one stored wins a race). */
  private async keyOf(requestId: string, create: boolean): Promise<Buffer | null> {
    if (create) {
      const { iv, tag, ciphertext } = encrypt(this.wrappingKey, randomBytes(32));
      await this.db
        .insertInto('request_keys')
        .values({ request_id: requestId, wrapped_key: Buffer.concat([iv, tag, ciphertext]).toString('base64'), created_at: new Date().toISOString() })
        .onConflict((oc) => oc.column('request_id').doNothing())
        .execute();
    }
    const row = await this.db.selectFrom('request_keys').select('wrapped_key').where('request_id', '=', requestId).executeTakeFirst();
    if (!row) return null;
    const wrapped = Buffer.from(row.wrapped_key, 'base64');
    const key = decrypt(this.wrappingKey, wrapped.subarray(0, 12), wrapped.subarray(12, 28), wrapped.subarray(28));
    if (key === null) throw new Error(`The key of request ${requestId} does not open with PIN_ENCRYPTION_KEY (was the key changed?).`);
    return key;
  }
}
