/**
 * The logger the client needs: winston's `Logger` fits, and so does a ten-line capture in tests.
 * The client never logs a token, secret or password at any level: everything it logs goes through
 * `redact` first.
 */
export interface PcLogger {
  debug(message: string, meta?: Record<string, unknown>): unknown;
  info(message: string, meta?: Record<string, unknown>): unknown;
  warn(message: string, meta?: Record<string, unknown>): unknown;
}

export const silentLogger: PcLogger = { debug: () => undefined, info: () => undefined, warn: () => undefined };

/** Keys whose values are secrets wherever they appear (headers, bodies, token answers), in any casing or spelling. */
const SECRET_KEY = /^(?:authorization|password|passwd|secret|client_?secret|refresh_?token|access_?token|id_?token|usercredentials|assertion|cookie|set-cookie)$/i;

const REDACTED = '[redacted]';

/** A copy of `value` with every secret-named field replaced, at any depth. */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 8) return '[…]';
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    out[k] = SECRET_KEY.test(k) ? REDACTED : redact(v, depth + 1);
  }
  return out;
}

/** Bearer tokens or form-encoded secrets that might hide in a free-text string (an error description, a URL). */
const SECRET_IN_TEXT = /(Bearer\s+)[A-Za-z0-9\-._~+/]+=*|((?:refresh_token|client_secret|access_token|password|id_token)=)[^&\s"]+/gi;

export function redactText(text: string): string {
  return text.replace(SECRET_IN_TEXT, (_m, bearer: string | undefined, key: string | undefined) => `${bearer ?? key ?? ''}${REDACTED}`);
}
