import { ValidationError } from '../../../common/errors/gateway-error';
import { bytesToGib, gibToBytes, locationOf, presetOf, sizingOf } from './sizing';

describe('cloudsigma sizing and units', () => {
  it('should turn presets and cores + memory into cpu MHz, smp and mem MB', () => {
    expect(sizingOf({ planId: 'small' })).toEqual({ cpu: 2000, smp: 1, mem: 1024 });
    expect(sizingOf({ cpuCores: 3, memoryMb: 3072 })).toEqual({ cpu: 6000, smp: 3, mem: 3072 });
    expect(sizingOf({ planId: 'custom', cpuCores: 1, memoryMb: 512 })).toEqual({
      cpu: 2000,
      smp: 1,
      mem: 512,
    });
    expect(presetOf(8000, 4, 4096)?.id).toBe('large');
    expect(presetOf(8000, 2, 4096)).toBeUndefined();
  });

  it('should refuse unknown plans, missing sizes and sizes out of range, naming the fields', () => {
    expect(() => sizingOf({ planId: 'huge' })).toThrow(ValidationError);
    expect(() => sizingOf({ cpuCores: 2 })).toThrow(/planId, or cpuCores and memoryMb/);
    try {
      sizingOf({ cpuCores: 11, memoryMb: 100 });
      throw new Error('no error');
    } catch (error) {
      expect((error as ValidationError).errors?.map((e) => e.field)).toEqual(['cpuCores', 'memoryMb']);
    }
  });

  it('should convert GiB and bytes both ways', () => {
    expect(gibToBytes(50)).toBe(53687091200);
    expect(gibToBytes(0.5)).toBe(536870912);
    expect(bytesToGib(12582912)).toBe(0.012);
    expect(bytesToGib(53687091200)).toBe(50);
  });

  it.each([
    ['https://api.zrh.cloudsigma.com', 'zrh', 'Zurich'],
    ['https://api.lvs.cloudsigma.com/', 'lvs', 'Las Vegas'],
    ['https://api.cloudsigma.com', 'zrh', 'Zurich'],
    ['http://127.0.0.1:8123', 'sim', 'Simulator'],
    ['http://localhost:8123', 'sim', 'Simulator'],
    ['https://cloud.example.net', 'cloud', 'cloud.example.net'],
  ])('should name the location of %s %s', (endpoint, id, name) => {
    expect(locationOf(endpoint)).toEqual({ id, name });
  });
});
