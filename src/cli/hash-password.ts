import { readFileSync } from 'node:fs';
import { hashPassword } from '../infrastructure/http/auth/password-hash';

/** `npm run hash-password -- '<password>'` (or the password on stdin): prints a password_hash for AUTH_USERS. */
async function main(): Promise<void> {
  const password = process.argv[2] ?? readFileSync(0, 'utf8').replace(/\r?\n$/, '');
  if (!password) {
    process.stderr.write('usage: npm run hash-password -- <password>\n');
    process.exit(2);
  }
  process.stdout.write(`${await hashPassword(password)}\n`);
}

void main();
