import { randomBytes } from 'node:crypto';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';

export interface Form {
  [field: string]: string;
}

/**
 * A browser-like client of the console over fastify's inject(): it keeps the cookies the console
 * sets, and reads each page's CSRF token as a browser's form would send it.
 */
export class ConsoleClient {
  readonly cookies = new Map<string, string>();
  /** Every response, to search afterwards for what must never appear. */
  readonly seen: LightMyRequestResponse[] = [];
  csrf = '';

  constructor(
    private readonly app: FastifyInstance,
    private readonly headers: Record<string, string> = {},
  ) {}

  private async send(options: Parameters<FastifyInstance['inject']>[0] & object): Promise<LightMyRequestResponse> {
    const res = await this.app.inject({ ...options, headers: { ...this.headers, ...(options.headers ?? {}) }, cookies: Object.fromEntries(this.cookies) } as never);
    for (const c of res.cookies as Array<{ name: string; value: string; expires?: Date; maxAge?: number }>) {
      if (!c.value || c.maxAge === 0 || (c.expires && c.expires.getTime() < Date.now())) this.cookies.delete(c.name);
      else this.cookies.set(c.name, c.value);
    }
    const token = /name="_csrf" value="([^"]+)"/.exec(res.body)?.[1];
    if (token) this.csrf = token;
    this.seen.push(res);
    return res;
  }

  get(url: string, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    return this.send({ method: 'GET', url, headers });
  }

  post(url: string, form: Form = {}, options: { csrf?: boolean; headers?: Record<string, string> } = {}): Promise<LightMyRequestResponse> {
    const body = new URLSearchParams({ ...(options.csrf === false ? {} : { _csrf: this.csrf }), ...form }).toString();
    return this.send({ method: 'POST', url, payload: body, headers: { 'content-type': 'application/x-www-form-urlencoded', ...(options.headers ?? {}) } });
  }

  /** A multipart upload as the upload form sends it: its token first, then the options, then the file. */
  upload(file: { name: string; content: Buffer | string }, form: Form = {}, options: { csrf?: boolean } = {}): Promise<LightMyRequestResponse> {
    const boundary = `----tiersync${randomBytes(8).toString('hex')}`;
    const parts: Buffer[] = [];
    const fields = { ...(options.csrf === false ? {} : { _csrf: this.csrf }), ...form };
    for (const [name, value] of Object.entries(fields)) parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.name}"\r\nContent-Type: application/octet-stream\r\n\r\n`), Buffer.from(file.content), Buffer.from(`\r\n--${boundary}--\r\n`));
    return this.send({ method: 'POST', url: '/upload', payload: Buffer.concat(parts), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } });
  }

  async signIn(email: string, password: string): Promise<LightMyRequestResponse> {
    await this.get('/sign-in');
    return this.post('/sign-in', { email, password });
  }
}
