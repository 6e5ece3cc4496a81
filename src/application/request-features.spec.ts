import type { ConnectionConfig } from '../config/gateway-config';
import { ProviderKind } from '../domain/states';
import type { AdapterFeatures } from '../providers/ports/provider-adapter';
import { Connection } from '../providers/registry/connection';
import { checkFeatureInputs } from './request-features';

const connectionWith = (features?: AdapterFeatures) =>
  new Connection(
    { name: 'c1', kind: ProviderKind.Cloudmc, features, plans: {}, probe: async () => undefined },
    { name: 'c1', kind: 'cloudmc' } as ConnectionConfig,
  );

describe('the optional fields of a server create and rebuild (features)', () => {
  const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl';

  it('should answer 501 naming the field a connection cannot take, with its reason', () => {
    const bare = connectionWith({ reasons: { userData: 'the backend has no metadata service' } });
    for (const [field, body] of [
      ['userData', { userData: '#!/bin/sh' }],
      ['sshKeyIds', { sshKeyIds: ['c1:k1'] }],
      ['sshPublicKeys', { sshPublicKeys: [key] }],
    ] as const) {
      let error: unknown;
      try {
        checkFeatureInputs(bare, 'server.create', body);
      } catch (e) {
        error = e;
      }
      expect(error).toMatchObject({
        code: 'unsupported_operation',
        status: 501,
        provider: 'c1',
        errors: [{ field }],
        extensions: { operation: 'server.create', reason: 'unsupported_operation' },
      });
    }
    expect(() => checkFeatureInputs(bare, 'server.rebuild', { userData: 'x' })).toThrow(
      /does not take userData on server.rebuild: the backend has no metadata service/,
    );
  });

  it('should let empty fields through anywhere: they ask for nothing', () => {
    expect(() =>
      checkFeatureInputs(connectionWith(), 'server.create', {
        userData: '',
        sshKeyIds: [],
        sshPublicKeys: [],
      }),
    ).not.toThrow();
  });

  it('should count user-data in bytes of UTF-8, not characters, against the connection’s limit', () => {
    const taking = connectionWith({ userData: { maxBytes: 8 }, sshKeyIds: true, sshPublicKeys: true });
    expect(() => checkFeatureInputs(taking, 'server.create', { userData: '12345678' })).not.toThrow();
    expect(() =>
      checkFeatureInputs(taking, 'server.create', {
        userData: 'ééééé',
        sshKeyIds: ['k'],
        sshPublicKeys: [key],
      }),
    ).toThrow(
      expect.objectContaining({ status: 400, errors: [expect.objectContaining({ field: 'userData' })] }),
    );
    // The message names sizes, never the text itself.
    expect(() => checkFeatureInputs(taking, 'server.create', { userData: 'top-secret-value' })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('top-secret') }),
    );
  });
});
