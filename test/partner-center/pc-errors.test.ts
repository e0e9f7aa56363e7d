import { describe, expect, test } from '@jest/globals';
import { isErrorCode } from '../../src/core/error-codes.js';
import { parsePcFault, pcErrorFor, PcForbiddenError, PcNotFoundError, retryabilityOf, tiersyncCodeFor } from '../../src/partner-center/pc-errors.js';
import { parseRetryAfter } from '../../src/partner-center/pc-retry.js';
import { redact, redactText } from '../../src/partner-center/pc-log.js';

describe('Partner Center error bodies', () => {
  test('code as a number or a string, camelCase or PascalCase, all read alike', () => {
    expect(parsePcFault({ code: 800090, description: 'Subscription quantity cannot be decreased.', data: [], source: 'PartnerFD' }, 'Bad Request')).toEqual({
      code: '800090',
      description: 'Subscription quantity cannot be decreased.',
      data: [],
      source: 'PartnerFD',
    });
    expect(parsePcFault({ Code: '900214', Description: 'You have passed your 168-hour window for reducing seats for this subscription.' }, 'Bad Request')).toMatchObject({ code: '900214' });
    expect(parsePcFault({ error: { code: 'InvalidInput', message: 'bad' } }, 'Bad Request')).toEqual({ code: 'InvalidInput', description: 'bad' });
    expect(parsePcFault(undefined, 'Service Unavailable')).toEqual({ description: 'Service Unavailable' });
    expect(parsePcFault('<html>gateway</html>', 'Bad Gateway')).toEqual({ description: '<html>gateway</html>' });
  });

  test("the 429 body's own shape is read too", () => {
    expect(parsePcFault({ statusCode: 429, message: 'Rate limit is exceeded. Try again in 57 seconds.' }, 'Too Many Requests')).toEqual({
      description: 'Rate limit is exceeded. Try again in 57 seconds.',
    });
    expect(tiersyncCodeFor(429, { description: 'Rate limit is exceeded.' })).toBe('pc.throttled');
  });

  test.each([
    [400, { code: '800090', description: '' }, 'pc.quantity-decrease-window'],
    [400, { code: '900214', description: '' }, 'pc.quantity-decrease-window'],
    [400, { code: '900257', description: '' }, 'pc.quantity-decrease-window'],
    [400, { code: '900117', description: '' }, 'pc.cancel-window'],
    [400, { code: '900213', description: '' }, 'pc.cancel-window'],
    [400, { code: '800016', description: '' }, 'reseller.not-authorized'],
    [403, { code: '800039', description: '' }, 'reseller.not-authorized'],
    [403, { code: '900123', description: '' }, 'reseller.not-authorized'],
    [400, { code: '900400', description: '' }, 'reseller.not-authorized'],
    [400, { code: '10015', description: '' }, 'pc.seat-limit'],
    [403, { code: '99999', description: 'The requested number of 51 seats exceeds the remaining limit of 50 seats for this product.' }, 'pc.seat-limit'],
    [400, { description: 'The domain contoso.onmicrosoft.com already exists.' }, 'customer.domain-taken'],
    [403, { code: '13605', description: '' }, 'pc.customer-agreement-required'],
    [404, { code: '2072', description: '' }, 'mpn.is-provider'],
    [404, { code: '20003', description: 'Subscription with ID x not found.' }, 'pc.not-found'],
    [400, { code: '2001', description: 'ambiguous' }, 'pc.error'],
    [400, { code: '123456', description: 'something new' }, 'pc.error'],
  ] as const)('HTTP %i %j → %s', (status, fault, expected) => {
    expect(tiersyncCodeFor(status, fault)).toBe(expected);
  });

  test('every code the table emits is a tiersync error code with advice', () => {
    const emitted = new Set<string>();
    for (const status of [400, 401, 403, 404, 409, 412, 429, 500]) {
      for (let code = 0; code < 1; code++) emitted.add(tiersyncCodeFor(status, { description: '' }));
    }
    for (const code of ['800090', '900117', '800016', '2072', '10015', '2002', '800091', '13605', '20002', '800082', '800064', '900278', '800060', '800018', '400019', '800093', '800098', '900258', '900311', '900308', '2055', '600049', '3000']) {
      emitted.add(tiersyncCodeFor(400, { code, description: '' }));
    }
    for (const c of emitted) expect(isErrorCode(c)).toBe(true);
  });

  test('only the "try later" conflicts are retryable', () => {
    expect(retryabilityOf(409, { code: '800082', description: '' })).toBe('transient');
    expect(retryabilityOf(409, { code: '800064', description: '' })).toBe('transient');
    expect(retryabilityOf(409, { description: 'Please try again later.' })).toBe('transient');
    expect(retryabilityOf(409, { code: '900278', description: 'There is a pending operation on this subscription. Please try again after 24 hours.' })).toBe('final');
    expect(retryabilityOf(400, { code: '800090', description: '' })).toBe('final');
  });

  test('errors are typed by status and carry the call', () => {
    const ctx = { operation: 'subscriptions.get', method: 'GET', path: '/v1/customers/c/subscriptions/s?x=1', requestId: 'r', correlationId: 'c' };
    const e = pcErrorFor(404, { code: '20003', description: 'Subscription with ID s not found.' }, ctx);
    expect(e).toBeInstanceOf(PcNotFoundError);
    expect(e.message).toBe('Partner Center refused GET /v1/customers/c/subscriptions/s (HTTP 404, code 20003): Subscription with ID s not found.');
    expect(pcErrorFor(403, { code: '900308', description: 'Insufficient privileges' }, ctx)).toBeInstanceOf(PcForbiddenError);
  });
});

describe('Retry-After', () => {
  test('delta-seconds or an HTTP date', () => {
    const now = Date.parse('2026-03-01T10:00:00Z');
    expect(parseRetryAfter('57', now)).toBe(57_000);
    expect(parseRetryAfter('Sun, 01 Mar 2026 10:00:02 GMT', now)).toBe(2000);
    expect(parseRetryAfter('Sun, 01 Mar 2026 09:59:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});

describe('redaction', () => {
  test('secret-named fields in any casing, bearer tokens and form secrets in text', () => {
    expect(redact({ Authorization: 'Bearer abc', headers: { authorization: 'x' }, userCredentials: { userName: 'admin', password: 'p' }, client_secret: 's', RefreshToken: 'r', code: 800090 })).toEqual({
      Authorization: '[redacted]',
      headers: { authorization: '[redacted]' },
      userCredentials: '[redacted]',
      client_secret: '[redacted]',
      RefreshToken: '[redacted]',
      code: 800090,
    });
    expect(redactText('Authorization: Bearer eyJ0.abc-def and refresh_token=0.AXY&x=1')).toBe('Authorization: Bearer [redacted] and refresh_token=[redacted]&x=1');
  });
});
