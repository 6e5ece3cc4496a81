import type { ImcoSimulatorHandle } from '../../sandbox/simulators/imco/imco.simulator';
import type { Server } from '../generated/client';
import { expectProviderProblem } from '../support/faults-expect';
import { startFaultGateway, type FaultBackend, type FaultGateway } from '../support/faults-gateway';
import { imcoIdentity, type ImcoIdentity } from '../support/faults-imco-tls';
import { reportFigures } from '../support/faults-report';
import { UNKNOWN_SERVER } from '../support/faults-resources';

// IMCO's mutual TLS: a client certificate the platform refuses, a server certificate the gateway does not
// trust, a key file broken mid-rotation. The caller gets provider_auth_failed (never 500, never "retry"), the
// other backends do not notice, and the right files work again without a restart.

const BREAKER_FAILURES = 3;
const authFailed = { code: 'provider_auth_failed', status: 502, retryable: false };

describe('IMCO client and server certificates (faults, all four backends)', () => {
  let fg: FaultGateway;
  let imco: FaultBackend;
  let identity: ImcoIdentity;
  let known: Server;
  let refusals = 0;

  const freshRead = () => fg.caller.get<Server>(`/v1/servers/${known.id}`);
  const unknownRead = () => fg.caller.get(`/v1/servers/${imco.name}:${UNKNOWN_SERVER.imco}`);

  beforeAll(async () => {
    // Its own connection names (and so IMCO key folder) per process: the certificate files change under it.
    fg = await startFaultGateway(`fce-${process.pid}`, { tuning: { breakerFailures: BREAKER_FAILURES } });
    imco = fg.backend('imco');
    identity = imcoIdentity(imco.handle as ImcoSimulatorHandle);
    known = (await fg.caller.get<{ items: Server[] }>(`/v1/servers?provider=${imco.name}`)).body.items[0];
  });

  afterEach(() => identity.restore());

  afterAll(async () => {
    reportFigures('certificates', fg.ledger, fg.caller.tally, { imcoAuthFailures: refusals });
    // Closing the gateway removes its simulators' folders, this process's IMCO key folder among them.
    await fg?.close();
  });

  it('a client certificate of another CA answers provider_auth_failed, and the right one works again', async () => {
    await identity.useForeignClient();
    expectProviderProblem(await unknownRead(), authFailed, imco.name);
    refusals++;
    identity.restore();
    const read = await freshRead();
    expect(read.status).toBe(200);
    expect(read.headers.get('cache-status')).toBeNull();
  });

  it('a refused certificate shows in lists as that backend failing, the others listed', async () => {
    await identity.useForeignClient();
    const list = await fg.caller.get<{ providers: Array<{ provider: string; status: string }> }>(
      '/v1/servers?fresh=true',
    );
    expect(list.status).toBe(200);
    for (const entry of list.body.providers) {
      if (entry.provider !== imco.name) expect(entry).toMatchObject({ status: 'ok' });
      else
        expect(entry).toMatchObject({
          status: 'stale',
          error: { code: 'provider_auth_failed', retryable: false },
        });
    }
    refusals++;
    identity.restore();
    expect((await freshRead()).status).toBe(200);
  });

  it('an untrusted server certificate answers provider_auth_failed without reaching the API or its breaker', async () => {
    await identity.useForeignCa();
    const before = await fg.ledger.requestCount(imco.name);
    for (let i = 0; i <= BREAKER_FAILURES; i++) {
      expectProviderProblem(await unknownRead(), authFailed, imco.name);
      refusals++;
    }
    expect(await fg.ledger.requestCount(imco.name)).toBe(before);
    identity.restore();
    expect((await freshRead()).status).toBe(200);
  });

  it('a certificate file broken mid-rotation keeps the working certificate in use', async () => {
    identity.useBrokenCert();
    const read = await freshRead();
    expect(read.status).toBe(200);
    expect(read.headers.get('cache-status')).toBeNull();
  });

  // A refused certificate looks like a reset at first: it must not count as an outage for the breaker.
  it('repeated certificate refusals keep answering provider_auth_failed and never open the breaker', async () => {
    await identity.useForeignClient();
    for (let i = 0; i <= BREAKER_FAILURES; i++) {
      expectProviderProblem(await unknownRead(), authFailed, imco.name);
      refusals++;
    }
    identity.restore();
    const read = await freshRead();
    expect(read.status).toBe(200);
    expect(read.headers.get('cache-status')).toBeNull();
  });

  it('answered every request, with no 500 and only problem+json errors', () => {
    expect(fg.caller.tally.bad5xx).toEqual([]);
    expect(fg.caller.tally.notProblem).toEqual([]);
  });
});
