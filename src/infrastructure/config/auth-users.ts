import { LegacyOrganisationLookup } from '../../application/event-codec';
import { UserRef } from '../../application/ports/event-store.port';
import { derivedId } from '../../application/ports/id-generator.port';
import { isPasswordHash } from '../http/auth/password-hash';

/** The users of AUTH_USERS (or the development user), as configuration reads them. */
export interface ConfiguredUser {
  user: UserRef;
  organisation: string;
  password: string | null;
  passwordHash: string | null;
  roles: Role[];
}

/**
 * What a user may do beyond its own organisation's requests (SPEC §2). `operations`: parked work, re-drive,
 * discard, subscriber and consumer state — everything that spans organisations.
 */
export type Role = 'operations';
export const ROLES: readonly Role[] = ['operations'];

/** Used only in the embedded/dev profile when AUTH_USERS is not set; it may see the operations view. */
export const DEVELOPMENT_USER = { username: 'operator', password: 'operator', organisation: 'DEMO', roles: ['operations'] };

function invalid(reason: string): Error {
  return new Error(`AUTH_USERS: ${reason}`);
}

/** Reads AUTH_USERS (a JSON array) into users; throws a message naming the broken entry. */
export function parseAuthUsers(json: string): ConfiguredUser[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw invalid('is not valid JSON.');
  }
  if (!Array.isArray(parsed) || parsed.length === 0) throw invalid('must be a non-empty JSON array.');
  const seen = new Set<string>();
  return parsed.map((entry, index) => {
    const e = entry as Record<string, unknown>;
    const text = (key: string) => (typeof e?.[key] === 'string' && (e[key] as string) !== '' ? (e[key] as string) : null);
    const username = text('username');
    const organisation = text('organisation');
    const password = text('password');
    const passwordHash = text('password_hash');
    if (!username || !organisation) throw invalid(`entry ${index} needs username and organisation.`);
    if (!password && !passwordHash) throw invalid(`entry ${index} needs password or password_hash.`);
    if (passwordHash && !isPasswordHash(passwordHash)) {
      throw invalid(`entry ${index} has a password_hash that is not of the form made by npm run hash-password.`);
    }
    const roles = e.roles === undefined ? [] : e.roles;
    if (!Array.isArray(roles) || roles.some((role) => !ROLES.includes(role as Role))) {
      throw invalid(`entry ${index} has roles that are not a list of ${ROLES.join(', ')}.`);
    }
    const key = `${organisation}\u0000${username}`;
    if (seen.has(key)) throw invalid(`entry ${index} repeats user ${username} of ${organisation}.`);
    seen.add(key);
    return {
      user: {
        id: text('id') ?? derivedId('user', organisation, username),
        username,
        person_name: text('person_name'),
        email: text('email'),
      },
      organisation,
      password,
      passwordHash,
      roles: [...new Set(roles as Role[])],
    };
  });
}

/**
 * Events stored before organisations existed name their user but not the user's organisation; a configured
 * user with that id (derived from organisation and username unless configured) tells it.
 */
export function legacyOrganisationLookup(authUsersJson: string | null): LegacyOrganisationLookup {
  const users = authUsersJson ? parseAuthUsers(authUsersJson) : parseAuthUsers(JSON.stringify([DEVELOPMENT_USER]));
  const byId = new Map(users.map((u) => [u.user.id, u]));
  return (user) => {
    const found = byId.get(user.id);
    return found && found.user.username === user.username ? found.organisation : null;
  };
}

