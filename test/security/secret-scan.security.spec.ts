import { randomBytes } from 'node:crypto';
import { SecretScanner, secretForms } from '../support/secret-scan';

// The scanner the secrets suite relies on: it must find a secret in every form it can take on the way out,
// and stay quiet about everything else. (Without this, a clean scan would prove nothing.)

const SECRET = 'pa55/wo+rd=ok "x"\\y';

describe('the secret scanner (security)', () => {
  const found = (text: string, secret = SECRET) => {
    const scanner = new SecretScanner();
    scanner.add('s', secret);
    scanner.scan('test', 'text', text);
    return scanner.leaks().map((f) => f.form);
  };

  it('should find a secret raw, JSON-escaped, URL-encoded and form-encoded', () => {
    expect(found(`before ${SECRET} after`)).toContain('raw');
    expect(found(JSON.stringify({ message: `it was ${SECRET}` }))).toContain('json');
    expect(found(`/v1/x?q=${encodeURIComponent(SECRET)}&y=1`)).toContain('url');
    expect(found(new URLSearchParams({ q: SECRET }).toString())).toContain('form');
  });

  it('should find a secret base64-encoded inside a longer value, whatever its byte offset', () => {
    for (let offset = 0; offset < 6; offset++) {
      const value = Buffer.from(`${'u'.repeat(offset)}${SECRET}:tail`);
      expect(found(`Authorization: Basic ${value.toString('base64')}`).length).toBeGreaterThan(0);
      expect(found(`token=${value.toString('base64url')}`).length).toBeGreaterThan(0);
    }
  });

  it('should find any line of a PEM body, and not a lookalike', () => {
    const body = randomBytes(300)
      .toString('base64')
      .match(/.{1,64}/g)!;
    const pem = ['-----BEGIN PRIVATE KEY-----', ...body, '-----END PRIVATE KEY-----'].join('\n');
    const scanner = new SecretScanner();
    scanner.addPem('key', pem);
    scanner.scan('test', 'one line', `{"x":"${body[2]}"}`);
    scanner.scan('test', 'header only', '-----BEGIN PRIVATE KEY-----');
    expect(scanner.leaks().map((f) => f.where)).toEqual(['one line']);
  });

  it('should stay quiet on a megabyte of unrelated encoded data, and count what it read', () => {
    const scanner = new SecretScanner();
    scanner.add('s', randomBytes(24).toString('base64url'));
    const noise = randomBytes(768 * 1024);
    scanner.scan('noise', 'b64', noise.toString('base64'));
    scanner.scan('noise', 'hex', noise.toString('hex'));
    expect(scanner.leaks()).toEqual([]);
    expect(scanner.tallies()).toEqual([{ source: 'noise', items: 2, bytes: expect.any(Number) }]);
  });

  it('should keep controls apart from leaks and refuse secrets too short to search', () => {
    const scanner = new SecretScanner();
    scanner.addControl('canary', 'canary-value-1');
    scanner.scan('logs', 'line 1', 'saw canary-value-1 here');
    expect(scanner.leaks()).toEqual([]);
    expect(scanner.controlSources('canary')).toEqual(['logs']);
    expect(() => scanner.add('short', 'abc')).toThrow(/too short/);
    expect(secretForms('plainvalue1').map((f) => f.form)).toEqual(
      expect.arrayContaining(['raw', 'base64@0', 'base64@1', 'base64@2']),
    );
  });
});
