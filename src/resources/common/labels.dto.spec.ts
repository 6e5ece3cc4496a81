import { GatewayError } from '../../common/errors/gateway-error';
import { GatewayValidationPipe } from '../../common/http/validation';
import { CreateNetworkRequest } from '../networks/networks.dto';
import { ServerListQuery, UpdateServerRequest } from '../servers/servers.dto';
import { CreateSshKeyRequest } from '../ssh-keys/ssh-keys.dto';
import { UpdateLabelsRequest } from './labels.dto';

const pipe = new GatewayValidationPipe();
const body = (metatype: new () => object, value: unknown) =>
  pipe.transform(value, { type: 'body', metatype });
const query = (value: Record<string, unknown>) =>
  pipe.transform(value, { type: 'query', metatype: ServerListQuery }) as Promise<ServerListQuery>;
const refusal = async (attempt: Promise<unknown>) => {
  const error: unknown = await attempt.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(GatewayError);
  return error as GatewayError;
};

describe('labels in request bodies and list queries', () => {
  it('should take labels on a create and refuse a broken set naming the field and the rule', async () => {
    await expect(
      body(CreateNetworkRequest, { provider: 'cm', name: 'n', labels: { env: 'prod', team: '' } }),
    ).resolves.toMatchObject({ labels: { env: 'prod', team: '' } });
    const refused = await refusal(
      body(CreateNetworkRequest, { provider: 'cm', name: 'n', labels: { Env: 'prod' } }),
    );
    expect(refused).toMatchObject({ code: 'validation_failed', status: 400 });
    expect(refused.errors).toEqual([
      { field: 'labels', message: expect.stringContaining("label key 'Env'") },
    ]);
    for (const labels of [
      { env: null },
      ['env'],
      'env=prod',
      { env: { nested: 'x' } },
      { 'cloudmux.x': 'y' },
    ])
      expect(
        (await refusal(body(CreateNetworkRequest, { provider: 'cm', name: 'n', labels }))).errors,
      ).toEqual([{ field: 'labels', message: expect.any(String) }]);
  });

  it('should take null (a removal) in a PATCH only', async () => {
    await expect(body(UpdateLabelsRequest, { labels: { env: null, team: 'web' } })).resolves.toMatchObject({
      labels: { env: null, team: 'web' },
    });
    expect((await refusal(body(UpdateLabelsRequest, {}))).errors?.map((e) => e.field)).toContain('labels');
    await expect(body(UpdateServerRequest, { name: 'web-2' })).resolves.toMatchObject({ name: 'web-2' });
    await expect(body(UpdateServerRequest, { labels: { env: null } })).resolves.toMatchObject({
      labels: { env: null },
    });
  });

  it('should read `label` given once or repeated as a list of filters, and refuse a broken one', async () => {
    await expect(query({ label: 'env=prod' })).resolves.toMatchObject({ label: ['env=prod'] });
    await expect(query({ label: ['env=prod', 'team'] })).resolves.toMatchObject({
      label: ['env=prod', 'team'],
    });
    const refused = await refusal(query({ label: ['env=prod', 'Bad Key'] }));
    expect(refused.errors).toEqual([{ field: 'label', message: expect.stringContaining("'Bad Key'") }]);
    expect(
      (await refusal(query({ label: Array.from({ length: 17 }, (_, i) => `k${i}`) }))).errors?.[0].field,
    ).toBe('label');
  });

  it('should take an OpenSSH public key and refuse anything else naming publicKey', async () => {
    const publicKey =
      'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl user@host';
    await expect(
      body(CreateSshKeyRequest, { provider: 'cm', name: 'laptop', publicKey }),
    ).resolves.toMatchObject({
      publicKey,
    });
    for (const bad of ['ssh-ed25519 AAAA', 'not a key', publicKey.replace('ssh-ed25519', 'ssh-rsa'), 7])
      expect(
        (await refusal(body(CreateSshKeyRequest, { provider: 'cm', name: 'laptop', publicKey: bad }))).errors,
      ).toEqual([{ field: 'publicKey', message: expect.stringContaining('OpenSSH public key') }]);
  });
});
