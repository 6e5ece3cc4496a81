import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../config/config.error';
import { validateConfig } from '../config/config.validator';
import { readEnv } from '../config/env';
import { connectionKindSchemas } from '../providers/registry/provider-kinds';
import { ValidationError } from '../common/errors/gateway-error';
import type { OperationRequest } from '../providers/ports/operations';
import { ServerCreateOptions as CloudsigmaCreateOptions } from '../providers/cloudsigma/cloudsigma.options';
import { IpAllocateOptions, ServerCreateOptions } from '../providers/dcimanager/dcimanager.options';
import {
  cipherFromSettings,
  openSecrets,
  sealSecrets,
  SecretCipher,
  secretInputPaths,
  secretOptionPaths,
  SecretUnreadableError,
  storableRequest,
  TaskSecretsUnreadableError,
} from './task-secrets';

const TASK = '01J0000000000000000000TASK';
const OTHER_TASK = '01J000000000000000000OTHER';
const FIELD = 'providerOptions.password';
const key = () => randomBytes(32);

describe('task secrets', () => {
  describe('SecretCipher (AES-256-GCM)', () => {
    const cipher = new SecretCipher(key());

    it('should open what it sealed, with a fresh nonce each time and no trace of the value', () => {
      const sealed = cipher.seal('r00t-Pa55word', TASK, FIELD);
      const again = cipher.seal('r00t-Pa55word', TASK, FIELD);
      expect(sealed).toMatch(/^v1\.[\w-]{8}\.[\w-]{16}\.[\w-]+$/);
      expect(again).not.toBe(sealed);
      expect(sealed).not.toContain('r00t');
      expect(Buffer.from(sealed.split('.')[3], 'base64url').toString('latin1')).not.toContain('r00t');
      expect(cipher.open(sealed, TASK, FIELD)).toBe('r00t-Pa55word');
      expect(cipher.open(cipher.seal({ a: [1, 'x'] }, TASK, FIELD), TASK, FIELD)).toEqual({ a: [1, 'x'] });
    });

    it('should refuse a tampered value, another task’s value or another field’s value', () => {
      const sealed = cipher.seal('r00t-Pa55word', TASK, FIELD);
      const parts = sealed.split('.');
      const body = Buffer.from(parts[3], 'base64url');
      body[0] ^= 1;
      const tampered = [...parts.slice(0, 3), body.toString('base64url')].join('.');
      expect(() => cipher.open(tampered, TASK, FIELD)).toThrow(SecretUnreadableError);
      expect(() => cipher.open(tampered, TASK, FIELD)).toThrow(/altered or belongs to another task/);
      expect(() => cipher.open(sealed, OTHER_TASK, FIELD)).toThrow(/altered or belongs to another task/);
      expect(() => cipher.open(sealed, TASK, 'providerOptions.vncPassword')).toThrow(SecretUnreadableError);
      const nonce = Buffer.from(parts[2], 'base64url');
      nonce[0] ^= 1;
      expect(() =>
        cipher.open([parts[0], parts[1], nonce.toString('base64url'), parts[3]].join('.'), TASK, FIELD),
      ).toThrow(SecretUnreadableError);
      expect(() => cipher.open(`${parts.slice(0, 3).join('.')}.AAAA`, TASK, FIELD)).toThrow(/truncated/);
      expect(() => cipher.open('r00t-Pa55word', TASK, FIELD)).toThrow(/not in a known format/);
    });

    it('should refuse a value sealed with another key, saying which setting to fix', () => {
      const sealed = new SecretCipher(key()).seal('r00t-Pa55word', TASK, FIELD);
      expect(() => cipher.open(sealed, TASK, FIELD)).toThrow(SecretUnreadableError);
      expect(() => cipher.open(sealed, TASK, FIELD)).toThrow(
        /sealed with a key this gateway does not have, .*tasks\.previousSecretKeys/,
      );
    });

    it('should open values sealed with an earlier key kept in previousSecretKeys, and seal with the new one', () => {
      const [oldKey, newKey] = [key(), key()];
      const sealedBefore = new SecretCipher(oldKey).seal('r00t-Pa55word', TASK, FIELD);
      const rotated = cipherFromSettings({
        secretKey: newKey.toString('base64'),
        previousSecretKeys: [oldKey.toString('base64url')],
      })!;
      expect(rotated.open(sealedBefore, TASK, FIELD)).toBe('r00t-Pa55word');
      const sealedAfter = rotated.seal('r00t-Pa55word', TASK, FIELD);
      expect(new SecretCipher(newKey).open(sealedAfter, TASK, FIELD)).toBe('r00t-Pa55word');
      expect(() => new SecretCipher(oldKey).open(sealedAfter, TASK, FIELD)).toThrow(SecretUnreadableError);
    });

    it('should have no cipher without tasks.secretKey, and take only 32-byte keys', () => {
      expect(cipherFromSettings({})).toBeNull();
      expect(cipherFromSettings(undefined)).toBeNull();
      expect(() => new SecretCipher(randomBytes(16))).toThrow(/32 bytes/);
    });
  });

  describe('secret option paths', () => {
    it('should find the fields the adapters mark as secrets, and nothing else', () => {
      expect(secretOptionPaths(ServerCreateOptions)).toEqual([['password']]);
      expect(secretOptionPaths(CloudsigmaCreateOptions)).toEqual([['vncPassword']]);
      expect(secretOptionPaths(IpAllocateOptions)).toEqual([]);
      expect(secretOptionPaths(undefined)).toEqual([]);
    });
  });

  describe('sealing a request', () => {
    const cipher = new SecretCipher(key());
    const request = (): OperationRequest => ({
      operation: 'server.create',
      target: null,
      taskId: TASK,
      input: { name: 'metal-1', providerOptions: { password: 'r00t-Pa55word', hddRaid: 'raid_1' } },
    });

    it('should seal present secrets, store the request without them, and give them back to the worker', () => {
      const original = request();
      const secrets = sealSecrets(cipher, TASK, original.input, [['password'], ['absent']]);
      expect(secrets).toEqual([{ path: ['providerOptions', 'password'], sealed: expect.any(String) }]);
      const stored = storableRequest(original, secrets);
      expect(JSON.stringify(stored)).not.toContain('r00t');
      expect(stored.input).toEqual({ name: 'metal-1', providerOptions: { hddRaid: 'raid_1' } });
      expect(original.input).toEqual(request().input); // the caller's request is left alone

      const loaded = JSON.parse(JSON.stringify(stored)) as OperationRequest;
      openSecrets(cipher, TASK, loaded, secrets);
      expect(loaded.input).toEqual(request().input);
      expect(JSON.stringify(storableRequest(loaded, secrets))).not.toContain('r00t');
    });

    it('should need no key when no secret is given, and answer 400 naming the field when one is', () => {
      expect(sealSecrets(null, TASK, { providerOptions: { hddRaid: 'raid_1' } }, [['password']])).toEqual([]);
      let refused: unknown;
      try {
        sealSecrets(null, TASK, request().input, [['password']]);
      } catch (error) {
        refused = error;
      }
      expect(refused).toBeInstanceOf(ValidationError);
      expect(refused).toMatchObject({
        status: 400,
        code: 'validation_failed',
        message: expect.stringMatching(
          /providerOptions\.password is a secret.*tasks\.secretKey.*openssl rand/,
        ),
        errors: [{ field: FIELD, message: expect.stringContaining('tasks.secretKey') }],
      });
      expect(JSON.stringify(refused)).not.toContain('r00t');
    });

    it('should make the request unusable (not silently secret-less) when its secret cannot be opened', () => {
      const secrets = sealSecrets(cipher, TASK, request().input, [['password']]);
      const loaded = JSON.parse(JSON.stringify(storableRequest(request(), secrets))) as OperationRequest;
      const storedInput = structuredClone(loaded.input);
      openSecrets(new SecretCipher(key()), TASK, loaded, secrets);
      expect(loaded.operation).toBe('server.create');
      expect(() => loaded.input).toThrow(TaskSecretsUnreadableError);
      expect(() => loaded.input).toThrow(/could not be decrypted: .*tasks\.previousSecretKeys/);
      // Saved again, the record keeps what it held: no plain value, the sealed ones untouched.
      expect(storableRequest(loaded, secrets).input).toEqual(storedInput);

      const keyless = JSON.parse(JSON.stringify(storableRequest(request(), secrets))) as OperationRequest;
      openSecrets(null, TASK, keyless, secrets);
      expect(() => keyless.input).toThrow(/no tasks\.secretKey/);
    });
  });

  describe('user-data (docs/design.md#user-data)', () => {
    const cipher = new SecretCipher(key());
    const userData = '#cloud-config\npassword: ud-S3cret-value\n';
    const request = (): OperationRequest => ({
      operation: 'server.create',
      target: null,
      taskId: TASK,
      input: { name: 'web-1', userData, providerOptions: { password: 'r00t-Pa55word' } },
    });

    it('should be a secret input of server create and rebuild, and of nothing else', () => {
      expect(secretInputPaths('server.create')).toEqual([['userData']]);
      expect(secretInputPaths('server.rebuild')).toEqual([['userData']]);
      expect(secretInputPaths('server.rename')).toEqual([]);
    });

    it('should be sealed beside the secret options, stored without it and given back to the worker', () => {
      const original = request();
      const secrets = sealSecrets(cipher, TASK, original.input, [['password']], [['userData']]);
      expect(secrets.map((secret) => secret.path)).toEqual([['userData'], ['providerOptions', 'password']]);
      const stored = storableRequest(original, secrets);
      expect(JSON.stringify(stored)).not.toContain('ud-S3cret');
      expect(JSON.stringify(secrets)).not.toContain('ud-S3cret');
      expect(stored.input).toEqual({ name: 'web-1', providerOptions: {} });
      const loaded = JSON.parse(JSON.stringify(stored)) as OperationRequest;
      openSecrets(cipher, TASK, loaded, secrets);
      expect(loaded.input).toEqual(request().input);
    });

    it('should answer 400 naming userData when the gateway has no key, and need none without it', () => {
      expect(sealSecrets(null, TASK, { name: 'web-1' }, [], [['userData']])).toEqual([]);
      expect(() => sealSecrets(null, TASK, request().input, [], [['userData']])).toThrow(
        expect.objectContaining({
          code: 'validation_failed',
          errors: [expect.objectContaining({ field: 'userData' })],
        }),
      );
    });
  });

  describe('the key in the config', () => {
    const document = (tasks: Record<string, unknown>) => ({
      apiKeys: [{ name: 'k', key: 'k'.repeat(32), scopes: ['read'], providers: ['*'] }],
      providers: [
        { name: 'cs', kind: 'cloudsigma', endpoint: 'https://cs.example.com', email: 'a@b.c', password: 'p' },
      ],
      tasks,
    });
    const validate = (tasks: Record<string, unknown>, baseDir = process.cwd()) =>
      validateConfig(document(tasks), {
        env: readEnv({}),
        kinds: connectionKindSchemas(),
        baseDir,
        variables: {},
      });
    const problems = (tasks: Record<string, unknown>) => {
      try {
        validate(tasks);
      } catch (error) {
        if (error instanceof ConfigError) return error.problems;
        throw error;
      }
      throw new Error('expected the config to be refused');
    };

    it('should read tasks.secretKeyFile (the *File convention) and open with the key it holds', () => {
      const dir = mkdtempSync(join(tmpdir(), 'task-secret-key-'));
      try {
        const secretKey = key().toString('base64');
        writeFileSync(join(dir, 'tasks-secret-key'), `${secretKey}\n`, { mode: 0o600 });
        const config = validate({ secretKeyFile: 'tasks-secret-key' }, dir);
        expect(config.tasks.secretKey).toBe(secretKey);
        const sealed = new SecretCipher(Buffer.from(secretKey, 'base64')).seal('x', TASK, FIELD);
        expect(cipherFromSettings(config.tasks)!.open(sealed, TASK, FIELD)).toBe('x');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('should refuse a key that is not 32 bytes of base64, without repeating it', () => {
      const short = randomBytes(16).toString('base64');
      const found = problems({
        secretKey: short,
        previousSecretKeys: [key().toString('base64'), 'hunter2hunter2'],
      });
      expect(found).toEqual([
        'tasks.secretKey: must be 32 random bytes in base64, e.g. the output of `openssl rand -base64 32`',
        'tasks.previousSecretKeys[1]: must be 32 random bytes in base64, e.g. the output of `openssl rand -base64 32`',
      ]);
      expect(found.join('\n')).not.toContain(short);
      expect(validate({}).tasks.secretKey).toBeUndefined();
    });
  });
});
