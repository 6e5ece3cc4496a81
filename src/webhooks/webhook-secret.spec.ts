import { randomBytes } from 'node:crypto';
import { SecretCipher } from '../tasks/task-secrets';
import { newSecret, openSecret, storeSecret } from './webhook-secret';

describe('webhook secrets at rest', () => {
  const cipher = new SecretCipher(randomBytes(32));

  it('should seal with the task secret key, bound to the webhook', () => {
    const secret = newSecret();
    const stored = storeSecret(cipher, 'W1', secret);
    expect(stored).not.toContain(secret.slice(6));
    expect(openSecret(cipher, 'W1', stored)).toBe(secret);
    expect(() => openSecret(cipher, 'W2', stored)).toThrow();
    expect(() => openSecret(null, 'W1', stored)).toThrow();
  });

  it('should keep it as it is without a key', () => {
    const secret = newSecret();
    expect(storeSecret(null, 'W1', secret)).toBe(secret);
    expect(openSecret(null, 'W1', secret)).toBe(secret);
    expect(openSecret(cipher, 'W1', secret)).toBe(secret);
  });
});
