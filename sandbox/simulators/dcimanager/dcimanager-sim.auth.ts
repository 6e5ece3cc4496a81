import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { asBody, optionalString } from './dcimanager-sim.body';
import { DCI_CODES, DciSimError, errorBody, missingField, notFound } from './dcimanager-sim.errors';
import type { UserRecord } from './dcimanager-sim.model';
import type { DciSimState } from './dcimanager-sim.state';

// Auth v4 (docs/providers/dcimanager.md#authentication): token login, login keys, whoami, and the session check in
// front of every service.

const SERVICES = new Set(['auth', 'dci', 'ip']);
const userOf = new WeakMap<FastifyRequest, UserRecord>();

/** The user whose session made this request (set by the session check). */
export function requestUser(request: FastifyRequest): UserRecord {
  const user = userOf.get(request);
  if (!user) throw new DciSimError(401, DCI_CODES.SESSION, 'Unauthorized', {});
  return user;
}

function tokenOf(request: FastifyRequest): { token: string | undefined; fromHeader: boolean } {
  const header = request.headers['x-xsrf-token'];
  if (typeof header === 'string' && header !== '') return { token: header, fromHeader: true };
  const cookie = request.headers.cookie ?? '';
  const match = /(?:^|;\s*)ses6=([^;]+)/.exec(cookie);
  return { token: match?.[1], fromHeader: false };
}

/** `/api/dci/v3/server` and `/dci/v3/server` are the same route; answers the path without the prefix. */
export function barePath(url: string): string {
  const path = url.split('?')[0];
  return path === '/api' || path.startsWith('/api/') ? path.slice(4) : path;
}

/**
 * Runs before every API route: counts calls without `isp-box-instance`, answers 503 while the service
 * wakes, then checks the session (header `x-xsrf-token` or cookie `ses6`; a state-changing call with only
 * the cookie is refused as CSRF).
 */
export function registerSessionCheck(app: FastifyInstance, state: DciSimState): void {
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.url.startsWith('/__sim')) return;
    const path = barePath(request.url);
    const service = path.split('/')[1] ?? '';
    if (request.headers['isp-box-instance'] === undefined) state.requestsWithoutBoxHeader++;
    if (SERVICES.has(service) && state.sleep.waking(service)) {
      const error = new DciSimError(503, DCI_CODES.WAKING, `Service ${service} is starting, retry later`, {
        service,
      });
      return reply.status(503).send(errorBody(error));
    }
    if (path.startsWith('/auth/v4/public/')) return;
    const { token, fromHeader } = tokenOf(request);
    const userId = token ? state.sessions.touch(token) : null;
    const user = userId === null ? undefined : state.users.find((u) => u.id === userId);
    if (!user) {
      const error = new DciSimError(state.config.sessionErrorStatus, DCI_CODES.SESSION, 'Unauthorized', {});
      return reply.status(error.status).send(errorBody(error));
    }
    if (!fromHeader && !['GET', 'HEAD'].includes(request.method)) {
      const error = new DciSimError(403, DCI_CODES.CSRF, 'The x-xsrf-token header is required', {});
      return reply.status(403).send(errorBody(error));
    }
    userOf.set(request, user);
  });
}

function credentials(raw: unknown): { email: string; password: string } {
  const body = asBody(raw);
  const email = optionalString(body, 'email');
  const password = optionalString(body, 'password');
  if (!email) throw missingField('email');
  if (password === undefined) throw missingField('password');
  return { email, password };
}

const badLogin = () => new DciSimError(401, DCI_CODES.BAD_CREDENTIALS, 'Invalid email or password', {});

/** Auth v4 routes, registered under each prefix. */
export function authRoutes(app: FastifyInstance, state: DciSimState): void {
  app.post('/auth/v4/public/token', async (request, reply) => {
    const { email, password } = credentials(request.body);
    const user = state.users.find((u) => u.email.toLowerCase() === email.toLowerCase());
    if (!user || user.password !== password) throw badLogin();
    const session = state.sessions.create(user.id);
    return reply.status(201).send({ id: String(session.id), token: session.token });
  });

  app.post('/auth/v4/public/key', async (request, reply) => {
    const key = optionalString(asBody(request.body), 'key');
    if (!key) throw missingField('key');
    const userId = state.sessions.redeemKey(key);
    if (userId === null) throw badLogin();
    const session = state.sessions.create(userId);
    return reply.status(201).send({ id: String(session.id), token: session.token });
  });

  app.post<{ Params: { user: string } }>('/auth/v4/user/:user/key', async (request, reply) => {
    if (requestUser(request).role !== '@admin')
      throw new DciSimError(403, DCI_CODES.FORBIDDEN, 'Only administrators mint login keys', {});
    const ref = request.params.user;
    const user = state.users.find((u) => String(u.id) === ref || u.email.toLowerCase() === ref.toLowerCase());
    if (!user) throw notFound('user', ref);
    return reply.status(201).send({ id: String(user.id), key: state.sessions.mintKey(user.id) });
  });

  app.get('/auth/v4/whoami', async (request) => {
    const user = requestUser(request);
    return { id: user.id, email: user.email, roles: [user.role] };
  });
}
