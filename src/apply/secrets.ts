import { createHash, randomBytes, randomInt } from 'node:crypto';

const UPPER = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
const LOWER = 'abcdefghijkmnpqrstuvwxyz';
const DIGITS = '23456789';
const SYMBOLS = '!#$%*+-=?@^_';
export const PASSWORD_LENGTH = 20;

/**
 * A temporary password: crypto-random, PASSWORD_LENGTH characters, at least one of each class
 * (upper, lower, digit, symbol); look-alike characters (O/0, l/1) left out for reading aloud.
 */
export function generateTemporaryPassword(): string {
  const classes = [UPPER, LOWER, DIGITS, SYMBOLS];
  const all = classes.join('');
  const chars = classes.map((c) => c[randomInt(c.length)]!);
  while (chars.length < PASSWORD_LENGTH) chars.push(all[randomInt(all.length)]!);
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j]!, chars[i]!];
  }
  return chars.join('');
}

/** An invitation token: 256 random bits, URL-safe. Only its hash is ever stored. */
export function generateInvitationToken(): string {
  return randomBytes(32).toString('base64url');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
