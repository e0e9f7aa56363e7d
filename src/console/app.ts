import { writeAuditWorkbook } from '../report/audit-workbook.js';
import { randomBytes } from 'node:crypto';
import { createWriteStream, promises as fs } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyFormbody from '@fastify/formbody';
import fastifyHelmet from '@fastify/helmet';
import fastifyMultipart, { type MultipartFile } from '@fastify/multipart';
import fastifyRateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { verifyAuditChain, type AuditRecord } from '../core/audit-chain.js';
import { TiersyncError, UsageError } from '../core/errors.js';
import type { UserRecord } from '../core/entities.js';
import { userKey } from '../core/entities.js';
import type { Logger } from '../log/logger.js';
import { SHEET_KINDS, type SheetKind } from '../normalize/columns.js';
import { ROW_RESULTS, type RowResult } from '../plan/sync-plan.js';
import { unpackRunReport } from '../report/run-record.js';
import { acceptInvitation, findAcceptableInvitation, isInvitationProblem, type InvitationProblem } from '../run/accept-invitation.js';
import { report } from '../run/run-batch.js';
import type { RunContext } from '../run/run-context.js';
import { allows, CONSOLE_ACCESS, refusedSheets, type Refusal } from './access.js';
import { CONSOLE_CSS, CONSOLE_JS } from './assets.js';
import { BatchJobs, type BatchJob, type ChosenOptions, type PlanJob } from './batch-jobs.js';
import { DownloadRegistry, XLSX } from './downloads.js';
import { JobTerminal } from './job-terminal.js';
import { OidcSignIn, type OidcSettings } from './oidc.js';
import { verifyPassword } from './passwords.js';
import { opaqueId, SessionStore, type Session } from './sessions.js';
import { DEFAULT_THROTTLE, SignInThrottle, type ThrottleLimits } from './sign-in-throttle.js';
import { StoreReader } from './store-reader.js';
import * as views from './views.js';

export interface ConsoleConfig {
  storeLocation: string;
  /** The address users reach the console at (behind a proxy, the proxy's): cookies are Secure when it is https. */
  publicUrl: string;
  /** A private folder (0700) for uploads and the files runs write; removed when the console stops. */
  workDir: string;
  maxInputMb: number;
  lockTimeoutSeconds: number;
  invitationDays: number;
  sessionIdleMinutes: number;
  /** Credential reports and invitation drafts are deleted from the server after this long. */
  secretMinutes: number;
  /** Plans, their results workbooks and finished runs' pages are kept this long. */
  keepHours: number;
  /** Behind a reverse proxy: read the client address from X-Forwarded-For. */
  trustProxy: boolean;
  oidc?: Omit<OidcSettings, 'redirectUri'>;
  throttle?: ThrottleLimits;
  /** How long a form posting a plan or an apply waits for it to finish before showing its progress page. */
  settleMs?: number;
  log: Logger;
  now?: () => Date;
}

declare module 'fastify' {
  interface FastifyRequest {
    consoleSession: Session | null;
    consoleUser: UserRecord | null;
    upload: { dir: string; path: string; claimed: boolean } | null;
  }
}

const MINUTE = 60_000;

/** A file name from a browser, made safe to create: no folders, no control or path characters. */
export function safeFileName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  const cleaned = base
    .normalize('NFC')
    .replace(/[^\p{L}\p{N} ._()+-]/gu, '_')
    .replace(/^[.\s]+/, '')
    .slice(-120);
  return cleaned || 'upload';
}

/** A redirect target after sign-in: a path of this console only, never another site. */
function localPath(next: unknown): string | undefined {
  return typeof next === 'string' && /^\/(?![/\\])[\w\-./?=&%]*$/.test(next) && !next.includes('..') ? next : undefined;
}

function attachmentHeader(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}

/** What a CSRF token is bound to: the session, or (signed out) a fixed value: tokens need one. */
function csrfUserInfo(req: FastifyRequest): string {
  return req.consoleSession?.id ?? 'signed-out';
}

/** Wait for `work`, but at most `ms`: a short run's page shows its outcome at once, a long one its progress. */
async function settle(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([work, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

const PROBLEM_STATUS: Record<InvitationProblem['kind'], number> = { unknown: 404, used: 410, expired: 410, replaced: 410, 'not-invited': 409 };

export interface ConsoleApp {
  app: FastifyInstance;
  /** Stop sweeping, delete every file the console still holds, close the server. */
  close(): Promise<void>;
}

/** The web console (SPEC §8): one fastify instance over the store, through the same engine as the CLI. */
export async function buildConsoleApp(config: ConsoleConfig): Promise<ConsoleApp> {
  const now = config.now ?? (() => new Date());
  const clock = () => now().getTime();
  const publicUrl = new URL(config.publicUrl);
  const secure = publicUrl.protocol === 'https:';
  // __Host- cookies are sent only to this origin over HTTPS, path /: no subdomain can set or read them.
  const cookieName = (name: string) => (secure ? `__Host-tiersync-${name}` : `tiersync-${name}`);
  const SESSION_COOKIE = cookieName('session');
  const CSRF_COOKIE = cookieName('csrf');
  const OIDC_COOKIE = cookieName('sso');
  const ACCEPT_COOKIE = cookieName('accept');
  const log = config.log;
  const settleMs = config.settleMs ?? 2500;
  const secretMs = config.secretMinutes * MINUTE;

  const sessions = new SessionStore({ idleMs: config.sessionIdleMinutes * MINUTE, maxMs: 12 * 60 * MINUTE }, clock);
  const throttle = new SignInThrottle(config.throttle ?? DEFAULT_THROTTLE, clock);
  const reader = new StoreReader(config.storeLocation);
  const downloads = new DownloadRegistry(clock);
  const jobs = new BatchJobs(
    { storeLocation: config.storeLocation, workDir: config.workDir, maxInputMb: config.maxInputMb, lockTimeoutSeconds: config.lockTimeoutSeconds, invitationDays: config.invitationDays, keepMs: config.keepHours * 60 * MINUTE, secretMs, log, now },
    downloads,
  );
  const oidc = config.oidc ? new OidcSignIn({ ...config.oidc, redirectUri: new URL('/sign-in/oidc/callback', publicUrl).toString() }, clock) : undefined;
  /** Acceptance links opened in this browser: the token waits here, the browser holds an opaque ticket (never the token). */
  const acceptTickets = new Map<string, { token: string; expiresAt: number }>();

  const runContext = (operator: string | undefined, outDir: string): RunContext => ({
    storeLocation: config.storeLocation,
    operator,
    outDir,
    lockTimeoutSeconds: config.lockTimeoutSeconds,
    maxInputMb: config.maxInputMb,
    invitationDays: config.invitationDays,
    json: false,
    resultsFilter: 'all',
    terminal: new JobTerminal(),
    log,
    now,
  });

  // Fastify's own request logging would write URLs (an acceptance link's token among them): the
  // console logs each request itself, by route pattern only.
  const app = Fastify({ logger: false, trustProxy: config.trustProxy, bodyLimit: 64 * 1024, return503OnClosing: true });

  await app.register(fastifyCookie, { secret: randomBytes(32).toString('base64url') });
  await app.register(fastifyFormbody);
  await app.register(fastifyRateLimit, { global: false });
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'none'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
        ...(secure ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    strictTransportSecurity: secure ? { maxAge: 15_552_000 } : false,
    // same-origin, not no-referrer: with no-referrer a browser sends `Origin: null` on the console's own form posts.
    referrerPolicy: { policy: 'same-origin' },
  });
  await app.register(fastifyCsrf, {
    sessionPlugin: '@fastify/cookie',
    cookieKey: CSRF_COOKIE,
    cookieOpts: { path: '/', sameSite: 'strict', httpOnly: true, signed: true, secure },
    // A token is bound to the session it was made in: one from before a sign-in is refused after it.
    csrfOpts: { hmacKey: randomBytes(32).toString('base64url') },
    getUserInfo: (req: FastifyRequest) => csrfUserInfo(req),
    getToken: (req: FastifyRequest) => {
      const field = (req.body as Record<string, unknown> | undefined)?._csrf;
      return typeof field === 'string' ? field : ((field as { value?: string } | undefined)?.value ?? '');
    },
  });
  app.decorateRequest('consoleSession', null);
  app.decorateRequest('consoleUser', null);
  app.decorateRequest('upload', null);

  // One token per response: each call would otherwise make a new secret (and cookie) on a first visit.
  const csrfTokens = new WeakMap<FastifyRequest, string>();
  const csrfFor = (req: FastifyRequest, reply: FastifyReply) => {
    let token = csrfTokens.get(req);
    if (!token) csrfTokens.set(req, (token = reply.generateCsrf({ userInfo: csrfUserInfo(req) })));
    return token;
  };
  const viewerOf = (req: FastifyRequest, reply: FastifyReply): views.Viewer | undefined => (req.consoleUser ? { user: req.consoleUser, csrf: csrfFor(req, reply) } : undefined);
  const frame = async (req: FastifyRequest, reply: FastifyReply, title: string): Promise<views.PageFrame> => {
    let provider;
    try {
      provider = (await reader.directory()).provider;
    } catch {
      provider = undefined;
    }
    return { title, provider, viewer: viewerOf(req, reply) };
  };
  const page = (reply: FastifyReply, status: number, text: string) => reply.code(status).header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store').send(text);
  const errorPage = async (req: FastifyRequest, reply: FastifyReply, status: number, heading: string, message: string) => page(reply, status, views.errorPage(await frame(req, reply, heading), heading, message, { href: '/', label: 'Back to the start page' }));
  const forbidden = async (req: FastifyRequest, reply: FastifyReply, refusals: readonly Refusal[]) => page(reply, 403, views.forbiddenPage(await frame(req, reply, 'Not allowed'), refusals));

  // Who is asking: a signed session of an active store user, or nobody.
  app.addHook('onRequest', async (req, reply) => {
    if (req.url.startsWith('/assets/')) return;
    const signed = req.cookies[SESSION_COOKIE];
    const unsigned = signed ? req.unsignCookie(signed) : undefined;
    const session = unsigned?.valid ? sessions.touch(unsigned.value ?? undefined) : undefined;
    if (!session) return;
    const user = await reader.activeUser(session.email);
    if (!user) {
      // Removed from the store since signing in: signed out at once.
      sessions.destroy(session.id);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return;
    }
    req.consoleSession = session;
    req.consoleUser = user;
  });

  // Every state-changing request: from this console's own pages (same origin) and with its form's token.
  app.addHook('preHandler', (req, reply, done) => {
    if (req.method === 'GET' || req.method === 'HEAD') return done();
    const origin = req.headers.origin;
    const sameOrigin = !origin || origin === publicUrl.origin || origin === `${req.protocol}://${req.headers.host ?? ''}`;
    if (req.headers['sec-fetch-site'] === 'cross-site' || !sameOrigin) {
      const error = Object.assign(new Error('cross-site request'), { statusCode: 403, code: 'FST_CSRF_INVALID_TOKEN' });
      return done(error);
    }
    app.csrfProtection(req, reply, done);
  });

  app.addHook('onResponse', async (req, reply) => {
    if (req.upload && !req.upload.claimed) await fs.rm(req.upload.dir, { recursive: true, force: true });
    log.info('request', { event: 'http.request', method: req.method, route: req.routeOptions.url ?? '(none)', status: reply.statusCode, ms: Math.round(reply.elapsedTime) });
  });

  app.setNotFoundHandler(async (req, reply) => errorPage(req, reply, 404, 'Not found', 'There is nothing here. A download link works only for the user it was made for, and only while the file is kept.'));

  app.setErrorHandler(async (error: Error & { statusCode?: number; code?: string; validationContext?: string }, req, reply) => {
    if (error.code === 'FST_CSRF_INVALID_TOKEN' || error.code === 'FST_CSRF_MISSING_SECRET') {
      log.warn('request refused', { event: 'console.csrf-refused', route: req.routeOptions.url ?? '(none)' });
      return errorPage(req, reply, 403, 'Form refused', 'This form did not come from a page of this console, or the page is too old. Nothing was changed. Go back, reload the page and try again.');
    }
    if (error.code === 'FST_REQ_FILE_TOO_LARGE' || error.code === 'FST_FILES_LIMIT' || error.code === 'FST_PARTS_LIMIT' || error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return errorPage(req, reply, 413, 'File too large', `The upload is over the ${config.maxInputMb} MB limit (--max-input-mb) and was refused before it was read; nothing was changed. Split the file, or ask the administrator to raise the limit.`);
    }
    if (error.statusCode === 429) return errorPage(req, reply, 429, 'Too many requests', 'Too many requests from this address; wait a minute and try again.');
    if (error.validationContext === 'params') return errorPage(req, reply, 404, 'Not found', 'There is nothing here.');
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      log.info('request refused', { event: 'console.request-refused', route: req.routeOptions.url ?? '(none)', status: error.statusCode, code: error.code ?? null, error: error.message });
      return errorPage(req, reply, error.statusCode, 'Request refused', 'The request is not one this console understands; go back and try again.');
    }
    log.error('request failed', { event: 'console.error', route: req.routeOptions.url ?? '(none)', error: error instanceof TiersyncError ? error.message : 'internal error' });
    log.debug('stack', { event: 'console.error.stack', stack: error.stack });
    return errorPage(req, reply, 500, 'Something went wrong', error instanceof TiersyncError ? error.message : 'The console could not do this; nothing was changed. The server log has the details.');
  });

  // ------------------------------------------------------------------------------------------
  // Public: assets, sign-in, acceptance

  app.get('/favicon.ico', async (_req, reply) => reply.code(204).header('cache-control', 'max-age=86400').send());
  app.get('/assets/console.css', async (_req, reply) => reply.header('content-type', 'text/css; charset=utf-8').header('cache-control', 'max-age=300').send(CONSOLE_CSS));
  app.get('/assets/console.js', async (_req, reply) => reply.header('content-type', 'text/javascript; charset=utf-8').header('cache-control', 'max-age=300').send(CONSOLE_JS));

  const signInForm = async (req: FastifyRequest, reply: FastifyReply, status: number, extra: { email?: string; problem?: string; next?: string } = {}) =>
    page(reply, status, views.signInPage(await frame(req, reply, 'Sign in'), { csrf: csrfFor(req, reply), oidc: !!oidc, ...extra }));

  const startSession = (req: FastifyRequest, reply: FastifyReply, user: UserRecord, via: Session['via']) => {
    // A new session ID at every sign-in: an ID planted before it is worth nothing after.
    sessions.destroy(req.consoleSession?.id);
    const session = sessions.create(user.email, via);
    reply.setCookie(SESSION_COOKIE, session.id, { path: '/', httpOnly: true, sameSite: 'lax', secure, signed: true });
    log.info('signed in', { event: 'console.sign-in', user: user.email, via });
  };

  const SSO_PROBLEMS = {
    failed: 'Single sign-on did not complete (it was cancelled, took too long, or the provider refused it). Try again, or sign in with your password.',
    'unknown-user': 'The account you signed in with is not an active user of this console’s store. Ask a user administrator to add it on a Users sheet.',
  } as const;
  app.get('/sign-in', { schema: { querystring: { type: 'object', properties: { next: { type: 'string', maxLength: 512 }, sso: { type: 'string', enum: Object.keys(SSO_PROBLEMS) } } } } }, async (req, reply) => {
    if (req.consoleUser) return reply.redirect('/', 303);
    const q = req.query as { next?: string; sso?: keyof typeof SSO_PROBLEMS };
    const next = localPath(q.next);
    return signInForm(req, reply, q.sso ? 401 : 200, { ...(next ? { next } : {}), ...(q.sso ? { problem: SSO_PROBLEMS[q.sso] } : {}) });
  });

  app.post(
    '/sign-in',
    {
      config: { rateLimit: { max: 30, timeWindow: '1 minute' } },
      schema: { body: { type: 'object', required: ['email', 'password'], properties: { email: { type: 'string', maxLength: 320 }, password: { type: 'string', maxLength: 1024 }, next: { type: 'string', maxLength: 512 }, _csrf: { type: 'string' } } } },
    },
    async (req, reply) => {
      const body = req.body as { email: string; password: string; next?: string };
      const account = userKey(body.email.trim());
      const next = localPath(body.next);
      const until = throttle.blockedUntil(account, req.ip);
      if (until) {
        log.warn('sign-in throttled', { event: 'console.sign-in-throttled', user: account, address: req.ip });
        reply.header('retry-after', String(Math.ceil((until - clock()) / 1000)));
        return signInForm(req, reply, 429, { email: account, problem: `Too many failed sign-ins for this account or from this address. Try again after ${new Date(until).toISOString().slice(11, 16)} UTC.`, ...(next ? { next } : {}) });
      }
      const user = await reader.activeUser(account);
      const hash = user ? await reader.read((store) => store.readPasswordHash(user.email)) : undefined;
      const ok = await verifyPassword(body.password, hash);
      if (!user || !ok) {
        throttle.failed(account, req.ip);
        log.warn('sign-in failed', { event: 'console.sign-in-failed', user: account, address: req.ip });
        return signInForm(req, reply, 401, { email: account, problem: 'The email or the password is not right, or this user has no console password.', ...(next ? { next } : {}) });
      }
      throttle.succeeded(account);
      startSession(req, reply, user, 'password');
      return reply.redirect(next ?? '/', 303);
    },
  );

  app.get('/sign-in/oidc', { config: { rateLimit: { max: 30, timeWindow: '1 minute' } } }, async (req, reply) => {
    if (!oidc) return errorPage(req, reply, 404, 'Not found', 'Single sign-on is not set up for this console.');
    let started;
    try {
      started = await oidc.start();
    } catch (error) {
      log.error('single sign-on unavailable', { event: 'console.oidc-unavailable', issuer: oidc.issuer, error: (error as Error).message });
      return signInForm(req, reply, 502, { problem: 'The single sign-on provider cannot be reached just now; try again later, or sign in with your password.' });
    }
    reply.setCookie(OIDC_COOKIE, started.pendingId, { path: '/sign-in/oidc', httpOnly: true, sameSite: 'lax', secure, signed: true, maxAge: 600 });
    return reply.redirect(started.url.toString(), 302);
  });

  app.get('/sign-in/oidc/callback', { config: { rateLimit: { max: 30, timeWindow: '1 minute' } } }, async (req, reply) => {
    if (!oidc) return errorPage(req, reply, 404, 'Not found', 'Single sign-on is not set up for this console.');
    const signed = req.cookies[OIDC_COOKIE];
    const pending = signed ? req.unsignCookie(signed) : undefined;
    reply.clearCookie(OIDC_COOKIE, { path: '/sign-in/oidc' });
    // Every outcome is a redirect, so the authorization code never stays in the address bar.
    let email: string | undefined;
    try {
      ({ email } = await oidc.finish(pending?.valid ? (pending.value ?? undefined) : undefined, new URL(req.url, publicUrl)));
    } catch (error) {
      log.warn('single sign-on failed', { event: 'console.sign-in-failed', via: 'oidc', address: req.ip, error: (error as Error).message });
      return reply.redirect('/sign-in?sso=failed', 303);
    }
    const user = email ? await reader.activeUser(email) : undefined;
    if (!user) {
      const account = email ? userKey(email) : '(no email)';
      throttle.failed(account, req.ip);
      log.warn('sign-in failed', { event: 'console.sign-in-failed', via: 'oidc', user: account, address: req.ip });
      return reply.redirect('/sign-in?sso=unknown-user', 303);
    }
    startSession(req, reply, user, 'oidc');
    return reply.redirect('/', 303);
  });

  app.post('/sign-out', async (req, reply) => {
    if (req.consoleSession) log.info('signed out', { event: 'console.sign-out', user: req.consoleSession.email });
    sessions.destroy(req.consoleSession?.id);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.redirect('/sign-in', 303);
  });

  /** The ticket cookie of an acceptance link opened in this browser, if still valid. */
  const acceptTicket = (req: FastifyRequest): { id: string; token: string } | undefined => {
    const signed = req.cookies[ACCEPT_COOKIE];
    const unsigned = signed ? req.unsignCookie(signed) : undefined;
    const id = unsigned?.valid ? unsigned.value : undefined;
    const ticket = id ? acceptTickets.get(id) : undefined;
    if (!id || !ticket || ticket.expiresAt <= clock()) return undefined;
    return { id, token: ticket.token };
  };
  const acceptFrame = async (req: FastifyRequest, reply: FastifyReply, title: string): Promise<views.PageFrame> => ({ ...(await frame(req, reply, title)), viewer: undefined });

  app.get(
    '/accept',
    { config: { rateLimit: { max: 30, timeWindow: '1 minute' } }, schema: { querystring: { type: 'object', properties: { token: { type: 'string', maxLength: 512 } } } } },
    async (req, reply) => {
      const { token } = req.query as { token?: string };
      if (token !== undefined) {
        const found = await reader.read((store) => findAcceptableInvitation(store, token.trim(), now().toISOString()));
        if (isInvitationProblem(found)) return page(reply, PROBLEM_STATUS[found.kind], views.acceptProblemPage(await acceptFrame(req, reply, 'Invitation'), found.reason));
        // The token leaves the address bar (and the browser's history) at once: from here on the
        // browser holds only an opaque ticket, in a cookie scoped to this page.
        const id = opaqueId();
        acceptTickets.set(id, { token: token.trim(), expiresAt: clock() + 30 * MINUTE });
        reply.setCookie(ACCEPT_COOKIE, id, { path: '/accept', httpOnly: true, sameSite: 'lax', secure, signed: true, maxAge: 1800 });
        return reply.redirect('/accept', 303);
      }
      const ticket = acceptTicket(req);
      if (!ticket) return page(reply, 400, views.acceptProblemPage(await acceptFrame(req, reply, 'Invitation'), 'Open the acceptance link from your invitation email again: this page needs the whole link'));
      const found = await reader.read((store) => findAcceptableInvitation(store, ticket.token, now().toISOString()));
      if (isInvitationProblem(found)) return page(reply, PROBLEM_STATUS[found.kind], views.acceptProblemPage(await acceptFrame(req, reply, 'Invitation'), found.reason));
      return page(reply, 200, views.acceptPage(await acceptFrame(req, reply, 'Partnership invitation'), csrfFor(req, reply), { provider: found.provider, reseller: found.reseller, expiresAt: found.invitation.expiresAt }));
    },
  );

  app.post('/accept', { config: { rateLimit: { max: 30, timeWindow: '1 minute' } } }, async (req, reply) => {
    const ticket = acceptTicket(req);
    if (!ticket) return page(reply, 400, views.acceptProblemPage(await acceptFrame(req, reply, 'Invitation'), 'Open the acceptance link from your invitation email again: this page needs the whole link'));
    try {
      const reseller = await acceptInvitation(runContext(undefined, config.workDir), ticket.token);
      acceptTickets.delete(ticket.id);
      reply.clearCookie(ACCEPT_COOKIE, { path: '/accept' });
      reader.invalidate();
      const { provider } = await reader.directory();
      return page(reply, 200, views.acceptedPage(await acceptFrame(req, reply, 'Partnership accepted'), provider, reseller));
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      return page(reply, 409, views.acceptProblemPage(await acceptFrame(req, reply, 'Invitation'), error.message));
    }
  });

  // ------------------------------------------------------------------------------------------
  // Signed-in users only

  await app.register(async (scope) => {
    scope.addHook('onRequest', async (req, reply) => {
      if (!req.consoleUser) {
        if (req.method === 'GET') {
          const next = localPath(req.url);
          return reply.redirect(`/sign-in${next && next !== '/' ? `?next=${encodeURIComponent(next)}` : ''}`, 303);
        }
        return errorPage(req, reply, 401, 'Signed out', 'Your session has ended (or you signed out): sign in again. Nothing was changed.');
      }
      if (!allows(req.consoleUser.roles, CONSOLE_ACCESS.view)) return forbidden(req, reply, [{ action: 'Reading the console', needed: CONSOLE_ACCESS.view }]);
      return undefined;
    });
    const user = (req: FastifyRequest) => req.consoleUser!;
    const signedFrame = async (req: FastifyRequest, reply: FastifyReply, title: string) => (await frame(req, reply, title)) as views.PageFrame & { viewer: views.Viewer };

    scope.get('/', async (req, reply) => {
      const [directory, batches] = await Promise.all([reader.directory(), reader.read((store) => store.listBatches())]);
      return page(reply, 200, views.homePage(await signedFrame(req, reply, 'Home'), { revision: directory.info.revision, storeLocation: config.storeLocation }, batches.reverse().slice(0, 5)));
    });

    scope.get('/upload', async (req, reply) => page(reply, 200, views.uploadPage(await signedFrame(req, reply, 'Upload'), config.maxInputMb)));

    // The upload: its own scope, the only one that parses multipart bodies, bounded by --max-input-mb.
    await scope.register(async (uploads) => {
      await uploads.register(fastifyMultipart, {
        attachFieldsToBody: true,
        limits: { fileSize: config.maxInputMb * 1024 * 1024, files: 1, fields: 12, fieldSize: 4096, parts: 14, headerPairs: 50 },
        onFile: async function (this: FastifyRequest, part: MultipartFile) {
          if (part.fieldname !== 'file' || !part.filename || this.upload) {
            part.file.resume();
            return;
          }
          const dir = join(config.workDir, 'uploads', opaqueId());
          await fs.mkdir(dir, { recursive: true, mode: 0o700 });
          this.upload = { dir, path: join(dir, safeFileName(part.filename)), claimed: false };
          await pipeline(part.file, createWriteStream(this.upload.path, { mode: 0o600 }));
        },
      });
      const field = { type: 'object', properties: { value: { type: 'string', maxLength: 512 } } };
      uploads.post(
        '/upload',
        { schema: { body: { type: 'object', properties: { _csrf: field, atomic: field, allowRemovals: field, prune: field, resendExpired: field, splitCredentials: field, sheet: field } } } },
        async (req, reply) => {
          const body = (req.body ?? {}) as Record<string, { value?: string } | undefined>;
          if (!req.upload) return errorPage(req, reply, 400, 'No file', 'Choose a workbook (.xlsx) or CSV file to upload.');
          const on = (name: string) => body[name]?.value === 'yes';
          const sheet = body.sheet?.value;
          const options: ChosenOptions = {
            atomic: on('atomic'),
            allowRemovals: on('allowRemovals'),
            prune: on('prune'),
            resendExpired: on('resendExpired'),
            splitCredentials: on('splitCredentials'),
            ...(sheet && (SHEET_KINDS as readonly string[]).includes(sheet) ? { sheet: sheet as SheetKind } : {}),
          };
          req.upload.claimed = true;
          const job = jobs.startPlan(user(req).email, user(req).roles, req.upload, options);
          log.info('plan started', { event: 'console.plan', user: user(req).email, file: job.fileName });
          await settle(job.finished, settleMs);
          // A refusal answers the post itself; a plan (or its progress) is a page of its own, so reloading it never uploads again.
          if (job.state === 'failed' || job.state === 'forbidden') return showPlan(req, reply, job, { page: 1 });
          return reply.redirect(`/plans/${job.id}`, 303);
        },
      );
    });

    const showPlan = async (req: FastifyRequest, reply: FastifyReply, job: PlanJob, filter: views.PlanFilter) => {
      switch (job.state) {
        case 'running':
          return page(reply, 200, views.progressPage(await signedFrame(req, reply, 'Planning'), job));
        case 'failed':
          return page(reply, job.failure!.status, views.jobFailedPage(await signedFrame(req, reply, 'Not planned'), job));
        case 'forbidden':
          return forbidden(req, reply, job.refusals);
        case 'done':
          return page(reply, 200, views.planPage(await signedFrame(req, reply, 'Plan'), job as PlanJob & { report: NonNullable<PlanJob['report']> }, filter));
      }
    };
    const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: '^[A-Za-z0-9_-]{43}$' } } };
    const jobOf = (req: FastifyRequest, kind: BatchJob['kind']) => {
      const job = jobs.find((req.params as { id: string }).id, user(req).email);
      return job?.kind === kind ? job : undefined;
    };

    scope.get(
      '/plans/:id',
      // A filter form sends its empty choices ("All sheets") as empty strings.
      { schema: { params: idParams, querystring: { type: 'object', properties: { sheet: { type: 'string', pattern: '^\\d{0,4}$' }, result: { type: 'string', enum: ['', ...ROW_RESULTS] }, page: { type: 'string', pattern: '^\\d{0,6}$' } } } } },
      async (req, reply) => {
        const job = jobOf(req, 'plan') as PlanJob | undefined;
        if (!job) return reply.callNotFound();
        const q = req.query as { sheet?: string; result?: RowResult | ''; page?: string };
        return showPlan(req, reply, job, { page: Number(q.page) || 1, ...(q.sheet ? { sheet: Number(q.sheet) } : {}), ...(q.result ? { result: q.result } : {}) });
      },
    );

    scope.post('/plans/:id/apply', { schema: { params: idParams } }, async (req, reply) => {
      const plan = jobOf(req, 'plan') as PlanJob | undefined;
      if (!plan || plan.state !== 'done' || !plan.report) return reply.callNotFound();
      if (plan.applyId) return reply.redirect(`/applies/${plan.applyId}`, 303);
      // The roles of now, not of when the plan was made.
      const refusals = refusedSheets(user(req).roles, plan.report.plan.sheets.map((s) => s.kind));
      if (refusals.length) return forbidden(req, reply, refusals);
      const job = jobs.startApply(plan as PlanJob & { report: NonNullable<PlanJob['report']> });
      log.info('apply started', { event: 'console.apply', user: user(req).email, file: plan.fileName });
      await settle(job.finished, settleMs);
      reader.invalidate();
      if (job.state === 'failed') return page(reply, job.failure!.status, views.jobFailedPage(await signedFrame(req, reply, 'Not applied'), job));
      return reply.redirect(`/applies/${job.id}`, 303);
    });

    scope.get('/applies/:id', { schema: { params: idParams } }, async (req, reply) => {
      const job = jobOf(req, 'apply');
      if (!job || job.kind !== 'apply') return reply.callNotFound();
      if (job.state === 'running') return page(reply, 200, views.progressPage(await signedFrame(req, reply, 'Applying'), job));
      if (job.state !== 'done' || !job.report) return page(reply, job.failure?.status ?? 500, views.jobFailedPage(await signedFrame(req, reply, 'Not applied'), job));
      return page(reply, 200, views.appliedPage(await signedFrame(req, reply, 'Applied'), job as typeof job & { report: NonNullable<typeof job.report> }, (id) => downloads.available(id), config.secretMinutes));
    });

    scope.get('/jobs/:id/progress', { schema: { params: idParams } }, async (req, reply) => {
      const job = jobs.find((req.params as { id: string }).id, user(req).email);
      if (!job) return reply.code(404).send({ state: 'unknown' });
      return reply.header('cache-control', 'no-store').send(jobs.progressOf(job));
    });

    scope.get('/downloads/:id', { schema: { params: idParams } }, async (req, reply) => {
      const entry = downloads.find((req.params as { id: string }).id, user(req).email);
      if (!entry) return reply.callNotFound();
      let handle;
      try {
        handle = await fs.open(entry.path, 'r');
      } catch {
        await downloads.remove(entry);
        return reply.callNotFound();
      }
      if (entry.once) {
        // Withdrawn and deleted from the disk now; the open handle still reads it to the end.
        downloads.claim(entry);
        await fs.rm(entry.path, { force: true });
      }
      log.info('download', { event: 'console.download', kind: entry.kind, user: entry.owner, once: entry.once });
      return reply.header('content-type', entry.contentType).header('content-disposition', attachmentHeader(entry.fileName)).header('cache-control', 'no-store').send(handle.createReadStream());
    });

    scope.get('/runs', async (req, reply) => {
      const batches = await reader.read((store) => store.listBatches());
      return page(reply, 200, views.runsPage(await signedFrame(req, reply, 'Runs'), batches.reverse()));
    });

    const batchParams = { type: 'object', required: ['batchId'], properties: { batchId: { type: 'string', pattern: '^[0-9a-fA-F-]{8,36}$' } } };
    const batchOf = async (req: FastifyRequest) => {
      const { batchId } = req.params as { batchId: string };
      const batches = await reader.read((store) => store.listBatches());
      return batches.find((b) => b.batchId === batchId.toLowerCase());
    };

    scope.get('/runs/:batchId', { schema: { params: batchParams } }, async (req, reply) => {
      const batch = await batchOf(req);
      if (!batch) return reply.callNotFound();
      const details = batch.details as { report?: string; reportOmitted?: string } | null;
      return page(reply, 200, views.runPage(await signedFrame(req, reply, 'Run'), batch, !!details?.report, details?.reportOmitted));
    });

    /** Write a file into a fresh private folder, send it, and delete the folder once sent. */
    const sendMadeFile = async (reply: FastifyReply, make: (dir: string) => Promise<string>, fileName?: (path: string) => string) => {
      const dir = join(config.workDir, 'made', opaqueId());
      await fs.mkdir(dir, { recursive: true, mode: 0o700 });
      try {
        const path = await make(dir);
        const handle = await fs.open(path, 'r');
        await fs.rm(dir, { recursive: true, force: true });
        const name = fileName ? fileName(path) : (path.split('/').pop() ?? 'download.xlsx');
        return reply.header('content-type', XLSX).header('content-disposition', attachmentHeader(name)).header('cache-control', 'no-store').send(handle.createReadStream());
      } catch (error) {
        await fs.rm(dir, { recursive: true, force: true });
        throw error;
      }
    };

    scope.get('/runs/:batchId/results.xlsx', { schema: { params: batchParams } }, async (req, reply) => {
      const batch = await batchOf(req);
      const details = batch?.details as { report?: string; files?: string[] } | null | undefined;
      if (!batch || !details?.report) return reply.callNotFound();
      const { plan, run, applied } = unpackRunReport(details.report);
      return sendMadeFile(reply, (dir) => report(runContext(user(req).email, dir), plan, run, details.files ?? plan.inputs.map((i) => i.name), applied));
    });

    const auditQuery = { type: 'object', properties: { batch: { type: 'string', pattern: '^[0-9a-fA-F-]{0,36}$' }, entity: { type: 'string', maxLength: 20 }, from: { type: 'string', pattern: '^(\\d{4}-\\d{2}-\\d{2})?$' }, to: { type: 'string', pattern: '^(\\d{4}-\\d{2}-\\d{2})?$' } } };
    const auditFilter = (req: FastifyRequest): views.AuditFilter => {
      const q = req.query as views.AuditFilter;
      return Object.fromEntries(Object.entries(q).filter(([, v]) => v)) as views.AuditFilter;
    };
    const auditKeep = (f: views.AuditFilter) => {
      const from = f.from ? `${f.from}T00:00:00.000Z` : undefined;
      const to = f.to ? new Date(Date.parse(`${f.to}T00:00:00.000Z`) + 86_400_000).toISOString() : undefined;
      const batch = f.batch?.toLowerCase();
      return (r: AuditRecord) => (!batch || r.batchId === batch || (batch.length >= 8 && r.batchId.startsWith(batch))) && (!f.entity || r.entity === f.entity) && (!from || r.at >= from) && (!to || r.at < to);
    };

    scope.get('/audit', { schema: { querystring: auditQuery } }, async (req, reply) => {
      const filter = auditFilter(req);
      const keep = auditKeep(filter);
      const { verdict, shown, matched } = await reader.read(async (store) => {
        const verdict = await verifyAuditChain(store.readAudit());
        const shown: AuditRecord[] = [];
        let matched = 0;
        for await (const r of store.readAudit()) {
          if (!keep(r)) continue;
          matched++;
          if (shown.length < views.AUDIT_SHOWN) shown.push(r);
        }
        return { verdict, shown, matched };
      });
      return page(reply, 200, views.auditPage(await signedFrame(req, reply, 'Audit trail'), verdict, shown, matched, filter));
    });

    scope.get('/audit/export.xlsx', { schema: { querystring: auditQuery } }, async (req, reply) => {
      const filter = auditFilter(req);
      const keep = auditKeep(filter);
      return sendMadeFile(
        reply,
        (dir) =>
          reader.read(async (store) => {
            // The same workbook as `tiersync audit export`.
            const path = join(dir, 'audit.xlsx');
            await writeAuditWorkbook(path, store, { keep, batch: (id) => !filter.batch || id.startsWith(filter.batch.toLowerCase()) });
            return path;
          }),
        () => `audit-${now().toISOString().slice(0, 10)}.xlsx`,
      );
    });

    scope.get('/users', async (req, reply) => {
      const { users } = await reader.directory();
      const withPasswords = await reader.read(async (store) => Promise.all(users.map(async (u) => ({ ...u, password: !!(await store.readPasswordHash(u.email)) }))));
      return page(reply, 200, views.usersPage(await signedFrame(req, reply, 'Users'), withPasswords, !!oidc));
    });
  });

  const sweeper = setInterval(() => {
    sessions.sweep();
    jobs.sweep();
    void downloads.sweep();
    for (const [id, t] of acceptTickets) if (t.expiresAt <= clock()) acceptTickets.delete(id);
  }, 30_000);
  sweeper.unref();

  return {
    app,
    close: async () => {
      clearInterval(sweeper);
      await app.close();
      await downloads.removeAll();
    },
  };
}
