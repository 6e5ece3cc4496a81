import { ProviderKind, ResourceType, ServerState, VolumeState } from '../../domain/states';
import { markedName } from '../ports/markers';
import { nativeRef, type NativeServer, type NativeVolume } from '../ports/native';
import { ResourceNormalizer } from './resource-normalizer';

const nativeServer = (over: Partial<NativeServer> = {}): NativeServer => ({
  nativeId: 's-1',
  name: 'web',
  providerState: 'Running',
  state: ServerState.Running,
  cpuCores: 2,
  cpuMhz: null,
  memoryMb: 2048,
  imageId: 'img-1',
  planId: null,
  locationId: 'zone-1',
  ipAddresses: [{ address: '10.0.0.5', version: 4, public: false }],
  volumeIds: ['v-1', 'v-2'],
  networkIds: ['n-1'],
  labels: { env: 'prod', gwabcdefghij: '' },
  extra: { hostname: 'web' },
  ...over,
});

describe('ResourceNormalizer', () => {
  const normalizer = new ResourceNormalizer('cm1', ProviderKind.Cloudmc);

  it('should stamp the gateway fields and turn every reference into a gateway id of the connection', () => {
    const server = normalizer.server(nativeServer(), '2026-12-07T10:00:00.000Z');
    expect(server).toEqual({
      id: 'cm1:s-1',
      provider: 'cm1',
      providerKind: ProviderKind.Cloudmc,
      nativeId: 's-1',
      name: 'web',
      providerState: 'Running',
      stateObservedAt: '2026-12-07T10:00:00.000Z',
      state: ServerState.Running,
      cpuCores: 2,
      cpuMhz: null,
      memoryMb: 2048,
      imageId: 'cm1:img-1',
      planId: null,
      locationId: 'cm1:zone-1',
      ipAddresses: [{ address: '10.0.0.5', version: 4, public: false }],
      volumeIds: ['cm1:v-1', 'cm1:v-2'],
      networkIds: ['cm1:n-1'],
      labels: { env: 'prod' },
      extra: { hostname: 'web' },
    });
    // The gateway's fields come first, as the API has always shown them.
    expect(Object.keys(server).slice(0, 8)).toEqual([
      'id',
      'provider',
      'providerKind',
      'nativeId',
      'name',
      'providerState',
      'stateObservedAt',
      'state',
    ]);
    // A backend's copy of a gateway marker never shows among the labels.
    expect(server.labels).not.toHaveProperty('gwabcdefghij');
  });

  it('should remove the task marker a create put in the name', () => {
    const server = normalizer.server(nativeServer({ name: markedName('web', '01JTASKID0000000000000000A') }));
    expect(server.name).toBe('web');
  });

  it('should turn references inside extra into gateway ids, nested one level in lists of objects', () => {
    const native: NativeVolume = {
      nativeId: 'd-1',
      name: 'data',
      providerState: 'mounted',
      state: VolumeState.InUse,
      sizeGb: 10,
      serverId: 's-1',
      bootable: false,
      labels: {},
      extra: {
        serverIds: [nativeRef('s-1'), nativeRef('s-2')],
        attachments: [{ serverId: nativeRef('s-1'), device: 'virtio:0:0' }],
        tags: ['ssd'],
      },
    };
    const volume = normalizer.volume(native);
    expect(volume.serverId).toBe('cm1:s-1');
    expect(volume.extra).toEqual({
      serverIds: ['cm1:s-1', 'cm1:s-2'],
      attachments: [{ serverId: 'cm1:s-1', device: 'virtio:0:0' }],
      tags: ['ssd'],
    });
    // The adapter's record is left as it was.
    expect(native.extra.serverIds).toEqual([nativeRef('s-1'), nativeRef('s-2')]);
  });

  it('should keep an extra without references as the same object (nothing copied)', () => {
    const extra = { hostname: 'web', sizes: [1, 2] };
    expect(normalizer.server(nativeServer({ extra })).extra).toBe(extra);
  });

  it('should normalize a step result by the plan resource type and catalog items by their native id', () => {
    expect(normalizer.resource(ResourceType.Server, nativeServer()).id).toBe('cm1:s-1');
    expect(normalizer.image({ nativeId: 'img-1', name: 'Ubuntu', os: 'linux', extra: {} })).toEqual({
      id: 'cm1:img-1',
      nativeId: 'img-1',
      name: 'Ubuntu',
      os: 'linux',
      extra: {},
    });
  });
});
