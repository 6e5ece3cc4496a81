import { NATIVE_ID_PATTERN } from '../../../common/ids/resource-id';
import {
  configurationOfPlan,
  diskIdOf,
  ipIdOf,
  isIntegerId,
  parseDiskId,
  parseIpId,
  planIdOf,
} from './codec.ids';

describe('DCImanager native ids', () => {
  it('should use a URL-safe configuration code as the plan id, and encode any other', () => {
    expect(planIdOf('Ryzen-5600X-64Gb-2x1000NVMe')).toBe('Ryzen-5600X-64Gb-2x1000NVMe');
    for (const code of ['Xeon E5 / 2x 480 SSD', 'b64~looks-encoded', 'ü-16Gb']) {
      const id = planIdOf(code);
      expect(id).toMatch(NATIVE_ID_PATTERN);
      expect(configurationOfPlan(id)).toBe(code);
    }
  });

  it('should compose address and disk ids from the server id', () => {
    expect(ipIdOf(3301, 20417)).toBe('3301-20417');
    expect(parseIpId('3301-20417')).toEqual({ serverId: '3301', ipId: '20417' });
    expect(parseIpId('3301')).toBeNull();
    expect(diskIdOf(3301, 1)).toBe('3301-disk1');
    expect(parseDiskId('3301-disk1')).toEqual({ serverId: '3301', index: 1 });
    expect(parseDiskId('3301-20417')).toBeNull();
    expect(isIntegerId('42')).toBe(true);
    expect(isIntegerId('4x')).toBe(false);
  });
});
