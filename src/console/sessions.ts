import { randomBytes } from 'node:crypto';

/** A signed-in browser. Only its opaque ID travels (in an HttpOnly cookie); everything else stays here. */
export interface Session {
  id: string;
  /** The store user, as stored (lower-case). */
  email: string;
  via: 'password' | 'oidc';
  createdAt: number;
  lastSeen: number;
}

export interface SessionLimits {
  /** A session unused this long is gone. */
  idleMs: number;
  /** A session is gone this long after sign-in, however busy. */
  maxMs: number;
}

/** 256 random bits, base64url: the IDs of sessions, plans, runs and downloads. */
export function opaqueId(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Sessions in memory: a restart signs everyone out, which is the safe failure. Expired sessions are
 * refused when presented and swept now and then.
 */
export class SessionStore {
  private readonly sessions = new Map<string, Session>();

  constructor(
    private readonly limits: SessionLimits,
    private readonly now: () => number = Date.now,
  ) {}

  create(email: string, via: Session['via']): Session {
    const at = this.now();
    const session: Session = { id: opaqueId(), email, via, createdAt: at, lastSeen: at };
    this.sessions.set(session.id, session);
    return session;
  }

  /** The live session with this ID, its idle clock restarted; undefined when unknown or expired. */
  touch(id: string | undefined): Session | undefined {
    if (!id) return undefined;
    const session = this.sessions.get(id);
    if (!session) return undefined;
    const at = this.now();
    if (at - session.lastSeen > this.limits.idleMs || at - session.createdAt > this.limits.maxMs) {
      this.sessions.delete(id);
      return undefined;
    }
    session.lastSeen = at;
    return session;
  }

  destroy(id: string | undefined): void {
    if (id) this.sessions.delete(id);
  }

  /** Every session of a user ends (e.g. the user was removed from the store). */
  destroyUser(email: string): void {
    for (const [id, s] of this.sessions) if (s.email === email) this.sessions.delete(id);
  }

  sweep(): void {
    const at = this.now();
    for (const [id, s] of this.sessions) if (at - s.lastSeen > this.limits.idleMs || at - s.createdAt > this.limits.maxMs) this.sessions.delete(id);
  }
}
