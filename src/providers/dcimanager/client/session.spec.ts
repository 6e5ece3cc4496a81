import { DciSession } from './session';

describe('DciSession', () => {
  let minted = 0;
  let release: (() => void) | null = null;
  const login = () =>
    new Promise<string>((resolve) => {
      release = () => resolve(`token-${++minted}`);
    });

  beforeEach(() => {
    minted = 0;
    release = null;
  });

  const authorize = async (session: DciSession) => {
    const headers: Record<string, string> = {};
    await session.authorize(headers);
    return headers;
  };

  it('should log in once for concurrent first calls and send the token as cookie and header', async () => {
    const session = new DciSession(login);
    const calls = [authorize(session), authorize(session), authorize(session)];
    await new Promise((resolve) => setImmediate(resolve));
    release!();
    const headers = await Promise.all(calls);
    expect(session.logins).toBe(1);
    expect(headers[2]).toEqual({ Cookie: 'ses6=token-1', 'x-xsrf-token': 'token-1' });
  });

  it('should renew only a stale token, so that calls failing together log in once', async () => {
    const session = new DciSession(async () => `token-${++minted}`);
    const failed = await session.tagged(async (tag) => {
      await session.authorize({ ...tag });
      throw new Error('401');
    });
    expect(failed.token).toBe('token-1');
    await Promise.all([session.renew(failed.token), session.renew(failed.token)]);
    expect(session.logins).toBe(2);
    await session.renew(failed.token); // someone already replaced token-1
    expect(session.logins).toBe(2);
    expect((await authorize(session))['x-xsrf-token']).toBe('token-2');
  });

  it('should strip its tagging header before the request is sent', async () => {
    const session = new DciSession(async () => 'token-x');
    const sent = await session.tagged(async (tag) => {
      const headers = { ...tag };
      await session.authorize(headers);
      return headers;
    });
    expect(Object.keys(sent.value!)).toEqual(['Cookie', 'x-xsrf-token']);
  });

  it('should try again after a failed login', async () => {
    let attempts = 0;
    const session = new DciSession(async () => {
      if (++attempts === 1) throw new Error('refused');
      return 'token-ok';
    });
    await expect(authorize(session)).rejects.toThrow('refused');
    expect((await authorize(session)).Cookie).toBe('ses6=token-ok');
  });
});
