import { findRedisBinary, RedisMissingError } from './embedded-redis';

describe('findRedisBinary', () => {
  it('should say how to install Redis or use REDIS_URL when redis-server cannot be found', () => {
    const lookup = () =>
      findRedisBinary({ install: false, searchPath: '/nonexistent', candidates: [], log: () => undefined });
    expect(lookup).toThrow(RedisMissingError);
    expect(lookup).toThrow(/apt-get install redis-server/);
    expect(lookup).toThrow(/REDIS_URL=redis:\/\//);
  });

  it('should take redis-server from the search path', () => {
    expect(
      findRedisBinary({
        install: false,
        searchPath: '/nonexistent:/usr/bin',
        candidates: [],
        log: () => undefined,
      }),
    ).toBe('/usr/bin/redis-server');
  });
});
