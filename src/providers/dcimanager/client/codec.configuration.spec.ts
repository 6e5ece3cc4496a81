import { parseConfiguration, physicalDisks } from './codec.configuration';

describe('DCImanager configuration codes', () => {
  it('should split CPU, memory and disk groups (the shapes of docs/providers/dcimanager.md#configuration-codes)', () => {
    expect(parseConfiguration('i7-7700-32Gb-2x512NVMe')).toEqual({
      cpu: 'i7-7700',
      memoryMb: 32 * 1024,
      disks: [{ count: 2, sizeGb: 512, type: 'NVMe' }],
      diskGb: 1024,
    });
    expect(parseConfiguration('E-2236-128Gb-960SSD-8000HDD')).toEqual({
      cpu: 'E-2236',
      memoryMb: 128 * 1024,
      disks: [
        { count: 1, sizeGb: 960, type: 'SSD' },
        { count: 1, sizeGb: 8000, type: 'HDD' },
      ],
      diskGb: 8960,
    });
  });

  it('should not take the G of a CPU model for memory', () => {
    expect(parseConfiguration('E-2174G-32Gb-2x480SSD')).toMatchObject({
      cpu: 'E-2174G',
      memoryMb: 32 * 1024,
      diskGb: 960,
    });
  });

  it('should read TB disks and TB of memory, and ignore parts it does not know', () => {
    const parsed = parseConfiguration('2xGold-6230-1Tb-4x3.84TbNVMe-RAIDcard');
    expect(parsed.memoryMb).toBe(1024 * 1024);
    expect(parsed.disks).toEqual([{ count: 4, sizeGb: 3840, type: 'NVMe' }]);
    expect(parsed.cpu).toBe('2xGold-6230');
  });

  it('should answer nothing rather than fail on empty or free-form codes', () => {
    const empty = { cpu: null, memoryMb: null, disks: [], diskGb: null };
    expect(parseConfiguration('')).toEqual(empty);
    expect(parseConfiguration(null)).toEqual(empty);
    expect(parseConfiguration('custom build for customer 17')).toEqual(empty);
  });

  it('should list one entry per physical disk', () => {
    expect(physicalDisks('E3-1270v6-16Gb-2x240SSD-1x2000HDD')).toEqual([
      { sizeGb: 240, type: 'SSD' },
      { sizeGb: 240, type: 'SSD' },
      { sizeGb: 2000, type: 'HDD' },
    ]);
  });
});
