import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { Kind, type TSchema } from '@sinclair/typebox';
import { GatewayError, ValidationError } from '../common/errors/gateway-error';
import type { TaskSettings } from '../config/config.schema';
import type { OperationName, OperationRequest } from '../providers/ports/operations';

/**
 * Secrets a client hands over for one operation (a DCImanager root password, a CloudSigma VNC password) are
 * never written to Redis in clear: while the task runs its record holds them sealed with AES-256-GCM (a key from
 * the config, a random nonce per value, the task id and the field as associated data), the request stored beside
 * them lacks them, and the worker opens them only when it rebuilds the plan. The record goes when the task
 * ends, sealed values with it. An adapter declares a secret with `writeOnly: true` in its option schema; the
 * operation's own secret fields (`userData`, docs/design.md#user-data) are listed here.
 */

/** A sealed secret of a task: where it sits in `request.input` and the sealed value. */
export interface SealedSecret {
  /** Path inside `request.input`, e.g. `['providerOptions', 'password']`. */
  path: string[];
  sealed: string;
}

const VERSION = 'v1';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
/** What a key looks like in the config (checked by the config validator). */
const SECRET_KEY_HINT = '32 random bytes in base64, e.g. the output of `openssl rand -base64 32`';

/** A secret could not be opened: wrong key, another task's value, or altered. */
export class SecretUnreadableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretUnreadableError';
  }
}

/** A short public id of a key, stored with each value so that the right key is picked (and a missing one named). */
function keyId(key: Buffer): string {
  return createHash('sha256').update('cloudmux-task-secret-key').update(key).digest('base64url').slice(0, 8);
}

/** Seals and opens task secrets with the current key; opens with earlier keys too (rotation). */
export class SecretCipher {
  private readonly current: { id: string; key: Buffer };
  private readonly keys = new Map<string, Buffer>();

  constructor(current: Buffer, previous: Buffer[] = []) {
    for (const key of [current, ...previous])
      if (key.length !== 32) throw new Error('a task secret key must be 32 bytes');
    this.current = { id: keyId(current), key: current };
    for (const key of [...previous, current]) this.keys.set(keyId(key), key);
  }

  /** `v1.<key id>.<nonce>.<ciphertext + tag>`, base64url parts. */
  seal(value: unknown, taskId: string, field: string): string {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.current.key, nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(associatedData(taskId, field));
    const body = Buffer.concat([
      cipher.update(JSON.stringify(value), 'utf8'),
      cipher.final(),
      cipher.getAuthTag(),
    ]);
    return [VERSION, this.current.id, nonce.toString('base64url'), body.toString('base64url')].join('.');
  }

  /** The value `seal` was given; SecretUnreadableError when the key is not configured or the value was altered. */
  open(sealed: string, taskId: string, field: string): unknown {
    const [version, id, nonceText, bodyText, ...rest] = sealed.split('.');
    if (version !== VERSION || !id || !nonceText || !bodyText || rest.length)
      throw new SecretUnreadableError(`the sealed value of ${field} is not in a known format`);
    const key = this.keys.get(id);
    if (!key)
      throw new SecretUnreadableError(
        `${field} was sealed with a key this gateway does not have, key id ${id}: tasks.secretKey was changed without keeping the old one in tasks.previousSecretKeys`,
      );
    const nonce = Buffer.from(nonceText, 'base64url');
    const body = Buffer.from(bodyText, 'base64url');
    if (nonce.length !== NONCE_BYTES || body.length < TAG_BYTES)
      throw new SecretUnreadableError(`the sealed value of ${field} is truncated`);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
      decipher.setAAD(associatedData(taskId, field));
      decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
      const plain = Buffer.concat([
        decipher.update(body.subarray(0, body.length - TAG_BYTES)),
        decipher.final(),
      ]);
      return JSON.parse(plain.toString('utf8')) as unknown;
    } catch {
      throw new SecretUnreadableError(
        `the sealed value of ${field} does not open with its key: it was altered or belongs to another task`,
      );
    }
  }
}

function associatedData(taskId: string, field: string): Buffer {
  return Buffer.from(`cloudmux-task-secret\u0000${taskId}\u0000${field}`, 'utf8');
}

/** The cipher of the configured keys, or null when `tasks.secretKey` is not set. */
export function cipherFromSettings(tasks: Partial<TaskSettings> | undefined): SecretCipher | null {
  if (!tasks?.secretKey) return null;
  const decode = (text: string) => Buffer.from(text.trim(), 'base64');
  return new SecretCipher(decode(tasks.secretKey), (tasks.previousSecretKeys ?? []).map(decode));
}

/** Paths of the secret fields (`writeOnly: true`) of an option schema, nested objects included. */
export function secretOptionPaths(schema: TSchema | undefined, prefix: string[] = []): string[][] {
  if (!schema || schema[Kind] !== 'Object') return [];
  const properties = (schema as unknown as { properties: Record<string, TSchema> }).properties;
  return Object.entries(properties).flatMap(([name, property]) =>
    (property as { writeOnly?: boolean }).writeOnly === true
      ? [[...prefix, name]]
      : secretOptionPaths(property, [...prefix, name]),
  );
}

const fieldOf = (path: string[]) => path.join('.');

function readPath(root: unknown, path: string[]): unknown {
  let node = root;
  for (const part of path) {
    if (!node || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

function writePath(root: unknown, path: string[], value: unknown): void {
  let node = root as Record<string, unknown>;
  for (const part of path.slice(0, -1)) {
    if (!node[part] || typeof node[part] !== 'object') node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[path[path.length - 1]] = value;
}

function deletePath(root: unknown, path: string[]): void {
  const parent = readPath(root, path.slice(0, -1));
  if (parent && typeof parent === 'object') delete (parent as Record<string, unknown>)[path[path.length - 1]];
}

/** The 400 of a request carrying secrets that this gateway has no key to seal. */
export function missingSecretKeyError(fields: string[]): ValidationError {
  return new ValidationError(
    `${fields.join(', ')} ${fields.length > 1 ? 'are secrets' : 'is a secret'}, and this gateway has no key to ` +
      'encrypt secrets at rest, so it will not store it: the operator sets tasks.secretKey (or tasks.secretKeyFile) ' +
      `in the gateway config, ${SECRET_KEY_HINT}.`,
    fields.map((field) => ({
      field,
      message: 'is a secret and the gateway has no tasks.secretKey to encrypt it at rest',
    })),
  );
}

/**
 * Fields of an operation's own input that are secrets whatever the backend: `userData` (cloud-init often carries
 * passwords and tokens; docs/design.md#user-data). Sealed like the secret provider options.
 */
const SECRET_INPUTS: Partial<Record<OperationName, string[][]>> = {
  'server.create': [['userData']],
  'server.rebuild': [['userData']],
};

/** Paths of the secret fields of an operation's input, outside `providerOptions`. */
export function secretInputPaths(operation: OperationName): string[][] {
  return SECRET_INPUTS[operation] ?? [];
}

/**
 * Seals the secrets present in `input.providerOptions` (paths from `secretOptionPaths`) and in the input itself
 * (`inputPaths`, from `secretInputPaths`). No secret present: nothing to seal, with or without a key. A secret and
 * no key: the 400 of `missingSecretKeyError`.
 */
export function sealSecrets(
  cipher: SecretCipher | null,
  taskId: string,
  input: unknown,
  optionPaths: string[][],
  inputPaths: string[][] = [],
): SealedSecret[] {
  const present = [...inputPaths, ...optionPaths.map((path) => ['providerOptions', ...path])].filter(
    (path) => readPath(input, path) !== undefined,
  );
  if (present.length === 0) return [];
  if (!cipher) throw missingSecretKeyError(present.map(fieldOf));
  return present.map((path) => ({
    path,
    sealed: cipher.seal(readPath(input, path), taskId, fieldOf(path)),
  }));
}

/** Inputs whose secrets could not be opened: what the record held, for saving it again unchanged. */
const unreadable = new WeakMap<OperationRequest, unknown>();

/** The request as stored: a copy without the values of its sealed secrets. */
export function storableRequest(
  request: OperationRequest,
  secrets: SealedSecret[] | undefined,
): OperationRequest {
  if (unreadable.has(request)) return withInput(request, unreadable.get(request));
  if (!secrets?.length) return request;
  const input = structuredClone(request.input);
  for (const { path } of secrets) deletePath(input, path);
  return withInput(request, input);
}

/** A copy of the request with another input (its own `input` is not read: it may be the throwing one). */
function withInput(request: OperationRequest, input: unknown): OperationRequest {
  const copy = Object.fromEntries(
    Object.keys(request)
      .filter((field) => field !== 'input')
      .map((field) => [field, request[field as keyof OperationRequest]]),
  );
  return { ...copy, input } as OperationRequest;
}

/** Thrown when the plan is rebuilt from a request whose secrets could not be opened: the task fails with it. */
export class TaskSecretsUnreadableError extends GatewayError {
  constructor(reason: string) {
    super(
      'internal',
      `The task's secret input could not be decrypted: ${reason}. Nothing more was sent to the backend for ` +
        'this task (what earlier steps did stays, see its resource); submit the operation again. Operators: keep ' +
        'an old key in tasks.previousSecretKeys until the tasks sealed with it have ended.',
    );
  }
}

/**
 * Puts the opened values of the task's secrets back into `request.input`, for the worker. If one cannot be
 * opened (the key changed, the record was altered), reading `request.input` throws TaskSecretsUnreadableError
 * instead: the plan is never built without the secret, and the task fails with that problem.
 */
export function openSecrets(
  cipher: SecretCipher | null,
  taskId: string,
  request: OperationRequest,
  secrets: SealedSecret[] | undefined,
): void {
  if (!secrets?.length) return;
  const input = structuredClone(request.input);
  try {
    for (const { path, sealed } of secrets) {
      if (!cipher)
        throw new SecretUnreadableError(`${fieldOf(path)} is sealed and this gateway has no tasks.secretKey`);
      writePath(input, path, cipher.open(sealed, taskId, fieldOf(path)));
    }
  } catch (error) {
    const reason = error instanceof SecretUnreadableError ? error.message : String(error);
    unreadable.set(request, request.input);
    Object.defineProperty(request, 'input', {
      enumerable: true,
      configurable: true,
      get: () => {
        throw new TaskSecretsUnreadableError(reason);
      },
    });
    return;
  }
  request.input = input;
}
