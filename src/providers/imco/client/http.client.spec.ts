import type { UpstreamClient } from '../../kit/http/upstream-client';
import { ImcoClient } from './http.client';
import { ImcoServer } from './wire';

// How the client reads IMCO's JSON (issue 12): large bodies parsed without stalling the event loop, odd single
// reads refused when a wire type is given.

const answering = (body: string, status = 200) =>
  new ImcoClient({
    request: jest.fn().mockResolvedValue({ status, headers: {}, body }),
  } as unknown as UpstreamClient);

describe('ImcoClient', () => {
  it('should let other work run while it parses a large list', async () => {
    const items = Array.from({ length: 20_000 }, (_, i) => ({ id: `i${i}`, name: `server ${i}` }));
    const body = JSON.stringify(items);
    expect(body.length).toBeGreaterThan(256 * 1024);
    let ranMeanwhile = false;
    const listing = answering(body).list<{ id: string }>('/cloud/servers', 'servers.list');
    setImmediate(() => {
      ranMeanwhile = true;
    });
    expect(await listing).toEqual(items);
    expect(ranMeanwhile).toBe(true);
  });

  it('should parse a small answer at once, and report a body that is not JSON as provider_error', async () => {
    await expect(answering('[{"id":"a"}]').list('/x', 'x.list')).resolves.toEqual([{ id: 'a' }]);
    await expect(answering('[{"id": "trunc').list('/x', 'x.list')).rejects.toMatchObject({
      code: 'provider_error',
      message: expect.stringContaining('not JSON'),
    });
    const large = `[${'{"id":"a"},'.repeat(30_000)}{"id": "trunc`;
    await expect(answering(large).list('/x', 'x.list')).rejects.toMatchObject({ code: 'provider_error' });
    await expect(answering('{"id":"a"}').list('/x', 'x.list')).rejects.toMatchObject({
      code: 'provider_error',
      message: expect.stringContaining('without a JSON array'),
    });
  });

  it('should refuse a single read that fails the wire type it is given, with 502', async () => {
    const server = { id: '620b61d27f8081000a978301', name: 'web', state: 'operational' };
    await expect(
      answering(JSON.stringify(server)).get('/cloud/servers/x', 'servers.get', ImcoServer),
    ).resolves.toEqual(server);
    await expect(
      answering(JSON.stringify({ ...server, state: 42 })).get('/cloud/servers/x', 'servers.get', ImcoServer),
    ).rejects.toMatchObject({
      code: 'provider_error',
      status: 502,
      retryable: false,
      message: expect.stringMatching(/servers\.get with a malformed IMCO server: \/state/),
    });
    // Without a type the object is handed on as sent (the caller checks it).
    await expect(answering('{"id":7}').get('/x', 'x.get')).resolves.toEqual({ id: 7 });
  });
});
