import { NeedsAttentionError } from '../../../common/errors/gateway-error';
import { parseObject } from '../client/codec';
import { findMarked } from './reads';

// Finding what a crashed create made (docs/providers/cloudsigma.md#crash-safe-creates).

describe('findMarked', () => {
  const marker = 'gw0123456789';
  it('should find its object by the user:gwtask key or, failing that, by the marker ending the name', () => {
    expect(findMarked([parseObject(`drive d-1\nuser:gwtask ${marker}\n`)], marker, 'drive', 'drives')).toBe(
      'd-1',
    );
    expect(findMarked([parseObject(`drive d-2\nname web-boot-${marker}\n`)], marker, 'drive', 'drives')).toBe(
      'd-2',
    );
    expect(findMarked([parseObject('drive d-3\nname web-boot\n')], marker, 'drive', 'drives')).toBeNull();
  });

  it('should need a person when two objects carry the marker', () => {
    const two = [
      parseObject(`drive d-1\nuser:gwtask ${marker}\n`),
      parseObject(`drive d-2\nuser:gwtask ${marker}\n`),
    ];
    expect(() => findMarked(two, marker, 'drive', 'drives')).toThrow(NeedsAttentionError);
  });
});
