/**
 * The HTTP side of the simulation: route table, request context, Partner Center's response
 * conventions. Routes match case-insensitively, as Partner Center's do (Microsoft's own SDKs send
 * `transitioneligibilities`, its docs `transitionEligibilities`).
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { AccessToken } from './auth.js';
import type { Catalog } from './catalog.js';
import type { SandboxClock } from './clock.js';
import { PcError, pcError } from './errors.js';
import type { ProviderIdentity, ProvisioningOptions, SandboxState } from './state.js';

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface RequestContext {
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** The JSON body with its property names camel-cased (Partner Center accepts PascalCase and camelCase alike). */
  body: Record<string, unknown>;
  rawBody: unknown;
  token: AccessToken;
  /** `http://127.0.0.1:PORT`, for `Location` headers. */
  origin: string;
}

export type Handler = (ctx: RequestContext) => Reply | Promise<Reply>;

export interface RouteDefinition {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** `/v1/customers/{customerId}/subscriptions/{subscriptionId}` */
  pattern: string;
  /** Partner Center accepts only App+User tokens here (each article's Prerequisites). */
  appUserOnly?: boolean;
  handle: Handler;
}

/** Behaviour a test may change while the sandbox runs. */
export interface SandboxSettings {
  provisioning: ProvisioningOptions;
  subscriptionPatch: { accepted: boolean; visibleAfterPolls: number };
  /** Undocumented whether list items carry it (PARTNER-CENTER-API.md §9); off by default so a client cannot rely on it. */
  listIncludesAssociatedPartnerId: boolean;
  /** Largest `size` honoured for paged lists (undocumented; Microsoft's own tool uses 500). */
  maxPageSize: number;
}

export interface SandboxServices {
  state: SandboxState;
  catalog: Catalog;
  clock: SandboxClock;
  provider: ProviderIdentity;
  settings: SandboxSettings;
}

interface CompiledRoute {
  definition: RouteDefinition;
  regex: RegExp;
  names: string[];
  name: string;
}

export interface RouteMatch {
  route: RouteDefinition;
  name: string;
  params: Record<string, string>;
}

export class Router {
  private readonly routes: CompiledRoute[] = [];

  add(definitions: RouteDefinition[]): void {
    for (const definition of definitions) {
      const names: string[] = [];
      const source = definition.pattern.replace(/[.+?^$()|[\]\\]/g, '\\$&').replace(/\{(\w+)\}/g, (_, name: string) => {
        names.push(name);
        return '([^/]+)';
      });
      this.routes.push({ definition, regex: new RegExp(`^${source}/?$`, 'i'), names, name: `${definition.method} ${definition.pattern}` });
    }
  }

  /** The route for a method and path; `'method-not-allowed'` when the path exists for other methods only. */
  match(method: string, path: string): RouteMatch | 'method-not-allowed' | undefined {
    let pathKnown = false;
    for (const route of this.routes) {
      const m = route.regex.exec(path);
      if (!m) continue;
      pathKnown = true;
      if (route.definition.method !== method) continue;
      const params: Record<string, string> = {};
      route.names.forEach((name, i) => {
        params[name] = decodeURIComponent(m[i + 1]!);
      });
      return { route: route.definition, name: route.name, params };
    }
    return pathKnown ? 'method-not-allowed' : undefined;
  }
}

/** `AssociatedPartnerId` → `associatedPartnerId`, all the way down; `ID` → `id`. */
export function camelizeKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(camelizeKeys);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
    const name = key === key.toUpperCase() ? key.toLowerCase() : key[0]!.toLowerCase() + key.slice(1);
    out[name] = camelizeKeys(inner);
  }
  return out;
}

export function ok(body: unknown, status = 200, headers?: Record<string, string>): Reply {
  return { status, body, ...(headers ? { headers } : {}) };
}

/** Paging tokens are opaque to clients; here they carry the position (and what is paged). */
export function encodeToken(data: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(data)).toString('base64url');
}

export function decodeToken(token: string, kind: string): Record<string, unknown> {
  try {
    const data = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Record<string, unknown>;
    if (data.k === kind) return data;
  } catch {
    // fall through to the error below
  }
  throw pcError('invalidInput', [], 'The continuation token is not valid.');
}

export function continuationHeader(ctx: RequestContext): string | undefined {
  const value = ctx.headers['ms-continuationtoken'];
  return Array.isArray(value) ? value[0] : value;
}

export function requireAppUser(ctx: RequestContext): void {
  if (ctx.token.kind !== 'app+user') throw pcError('appUserOnly', [], 'Access denied: this operation supports App+User authentication only.');
}

export function pageSize(ctx: RequestContext, services: SandboxServices): number {
  const raw = ctx.query.get('size');
  const size = raw === null ? 0 : Number(raw);
  if (!Number.isInteger(size) || size < 0) throw pcError('invalidInput', [], 'size must be a whole number.');
  // size=0 is what Microsoft's SDK sends when no size is given: the largest page.
  return size === 0 ? services.settings.maxPageSize : Math.min(size, services.settings.maxPageSize);
}

export { PcError };
