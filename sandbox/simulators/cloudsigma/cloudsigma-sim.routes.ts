import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { cloneDrive, createDrive, destroyDrive, setDrive } from './cloudsigma-sim.drives';
import { CloudsigmaSimError, unknownCommand, wrongVerb } from './cloudsigma-sim.errors';
import { type DriveRecord, LIBRARY_USER } from './cloudsigma-sim.model';
import { renderDrive, renderIp, renderProfile, renderServer, renderVlan } from './cloudsigma-sim.render';
import { createIp, createVlan, destroyIp, destroyVlan, renameVlan } from './cloudsigma-sim.resources';
import { createServer, serverAction, setServer, type SimReply } from './cloudsigma-sim.servers';
import type { CloudsigmaSimState } from './cloudsigma-sim.state';
import { parseRequest, renderList, renderObject, renderObjects, type SimFields } from './cloudsigma-sim.text';

export interface CloudsigmaRouteOptions {
  state: CloudsigmaSimState;
  email: string;
  password: string;
}

type Verb = 'GET' | 'POST';
const ALL_VERBS: Array<Verb | 'PUT' | 'DELETE' | 'PATCH'> = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'];
type Params = Record<string, string>;
type Handle = (params: Params, body: SimFields) => SimReply;

interface Command {
  verbs: Verb[];
  /** Fastify path; `/__sim/stats` counts requests by it. */
  url: string;
  handle: Handle;
}

const READ: Verb[] = ['GET'];
const CHANGE: Verb[] = ['POST'];
// The manual lists the actions as GET, libcloud and Dasein POST them, jclouds GETs destroys: both work
// (docs/providers/cloudsigma.md#transport-and-auth).
const EITHER: Verb[] = ['GET', 'POST'];
const SERVER_ACTIONS = ['start', 'stop', 'shutdown', 'reset', 'destroy'];

/** The command table: paths at the host root (docs/providers/cloudsigma.md#endpoints). */
function commands(state: CloudsigmaSimState, email: string): Command[] {
  const ok = (text: string): SimReply => ({ status: 200, text });
  const one = (object: SimReply['object']): SimReply => ({ status: 200, object });
  const drives = () => [...state.drives.values()];
  const library = (type?: string) =>
    [...state.library.values()].filter((d) => !type || d.fields.get('type') === type);
  const infos = (list: DriveRecord[]): SimReply => ({
    status: 200,
    objects: list.map((d) => renderDrive(state, d)),
  });
  const libraryDrive = (uuid: string, type?: string) => {
    const drive = state.readableDrive(uuid);
    if (drive.user !== LIBRARY_USER || (type && drive.fields.get('type') !== type))
      return state.require(new Map<string, DriveRecord>(), 'drives', uuid);
    return drive;
  };
  const server = (uuid: string) => state.require(state.servers, 'servers', uuid);
  const standard: Command[] = [
    ['', undefined],
    ['/img', 'disk'],
    ['/cd', 'cdrom'],
  ].flatMap(([prefix, type]) => [
    {
      verbs: READ,
      url: `/drives/standard${prefix}/list`,
      handle: () => ok(renderList(library(type).map((d) => d.uuid))),
    },
    { verbs: READ, url: `/drives/standard${prefix}/info`, handle: () => infos(library(type)) },
    ...(prefix
      ? [
          {
            verbs: READ,
            url: `/drives/standard${prefix}/:id/info`,
            handle: (p: Params) => infos([libraryDrive(p.id, type)]),
          },
        ]
      : []),
  ]);
  return [
    { verbs: READ, url: '/profile/info', handle: () => one(renderProfile(state, email)) },
    { verbs: READ, url: '/drives/list', handle: () => ok(renderList(drives().map((d) => d.uuid))) },
    { verbs: READ, url: '/drives/info', handle: () => infos(drives()) },
    { verbs: CHANGE, url: '/drives/create', handle: (_, body) => createDrive(state, body) },
    ...standard,
    {
      verbs: READ,
      url: '/drives/:id/info',
      handle: (p) => one(renderDrive(state, state.readableDrive(p.id))),
    },
    { verbs: CHANGE, url: '/drives/:id/set', handle: (p, body) => setDrive(state, p.id, body) },
    { verbs: CHANGE, url: '/drives/:id/clone', handle: (p, body) => cloneDrive(state, p.id, body) },
    { verbs: EITHER, url: '/drives/:id/destroy', handle: (p) => destroyDrive(state, p.id) },
    { verbs: READ, url: '/servers/list', handle: () => ok(renderList([...state.servers.keys()])) },
    {
      verbs: READ,
      url: '/servers/info',
      handle: () => ({
        status: 200,
        objects: [...state.servers.values()].map((s) => renderServer(state, s)),
      }),
    },
    { verbs: CHANGE, url: '/servers/create', handle: (_, body) => createServer(state, body) },
    { verbs: READ, url: '/servers/:id/info', handle: (p) => one(renderServer(state, server(p.id))) },
    { verbs: CHANGE, url: '/servers/:id/set', handle: (p, body) => setServer(state, server(p.id), body) },
    ...SERVER_ACTIONS.map((action) => ({
      verbs: EITHER,
      url: `/servers/:id/${action}`,
      handle: (p: Params) => serverAction(state, server(p.id), action),
    })),
    { verbs: READ, url: '/resources/ip/list', handle: () => ok(renderList([...state.ips.keys()], 'ip')) },
    {
      verbs: READ,
      url: '/resources/ip/info',
      handle: () => ({ status: 200, objects: [...state.ips.values()].map((ip) => renderIp(state, ip)) }),
    },
    // libcloud GETs it, jclouds and Dasein POST it (docs/providers/cloudsigma.md#endpoints).
    { verbs: EITHER, url: '/resources/ip/create', handle: () => createIp(state) },
    {
      verbs: READ,
      url: '/resources/ip/:id/info',
      handle: (p) => one(renderIp(state, state.require(state.ips, 'ip', p.id))),
    },
    { verbs: EITHER, url: '/resources/ip/:id/destroy', handle: (p) => destroyIp(state, p.id) },
    {
      verbs: READ,
      url: '/resources/vlan/list',
      handle: () => ok(renderList([...state.vlans.keys()], 'vlan')),
    },
    {
      verbs: READ,
      url: '/resources/vlan/info',
      handle: () => ({ status: 200, objects: [...state.vlans.values()].map((v) => renderVlan(state, v)) }),
    },
    { verbs: CHANGE, url: '/resources/vlan/create', handle: (_, body) => createVlan(state, body) },
    {
      verbs: READ,
      url: '/resources/vlan/:id/info',
      handle: (p) => one(renderVlan(state, state.require(state.vlans, 'vlan', p.id))),
    },
    { verbs: CHANGE, url: '/resources/vlan/:id/set', handle: (p, body) => renameVlan(state, p.id, body) },
    { verbs: EITHER, url: '/resources/vlan/:id/destroy', handle: (p) => destroyVlan(state, p.id) },
  ];
}

function credentials(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (!header?.startsWith('Basic ')) return null;
  return Buffer.from(header.slice('Basic '.length).trim(), 'base64').toString('utf8');
}

/** Registers the 1.0 API: Basic auth, text bodies, the command table, the manual's status codes. */
export function registerCloudsigmaRoutes(app: FastifyInstance, options: CloudsigmaRouteOptions): void {
  const table = commands(options.state, options.email);
  const send = (reply: FastifyReply, status: number, text?: string) => {
    if (status === 204 || text === undefined) return reply.status(status).send();
    return reply.status(status).header('Content-Type', 'text/plain; charset=utf-8').send(text);
  };
  const fail = (reply: FastifyReply, error: CloudsigmaSimError) => send(reply, error.status, error.body());

  const authorized = async (request: FastifyRequest, reply: FastifyReply): Promise<boolean> => {
    if (credentials(request) === `${options.email}:${options.password}`) return true;
    void reply.header('WWW-Authenticate', 'Basic realm="CloudSigma API"');
    await fail(
      reply,
      new CloudsigmaSimError(401, 'system', 'Authentication failed: check email and password.'),
    );
    return false;
  };

  const run = async (command: Command, request: FastifyRequest, reply: FastifyReply) => {
    if (!(await authorized(request, reply))) return reply;
    if (!command.verbs.includes(request.method as Verb)) return fail(reply, wrongVerb(request.method));
    // A bodiless POST needs `Content-Length: 0` (docs/providers/cloudsigma.md#transport-and-auth).
    if (
      request.method === 'POST' &&
      !request.headers['content-length'] &&
      !request.headers['transfer-encoding']
    )
      return fail(reply, new CloudsigmaSimError(411, 'system', 'Content-Length is required.'));
    try {
      const body = parseRequest(typeof request.body === 'string' ? request.body : undefined);
      const answer = command.handle(request.params as Params, body);
      if (answer.text !== undefined) return send(reply, answer.status, answer.text);
      if (answer.objects) return send(reply, answer.status, renderObjects(answer.objects));
      return send(reply, answer.status, answer.object ? renderObject(answer.object) : undefined);
    } catch (error) {
      if (error instanceof CloudsigmaSimError) return fail(reply, error);
      return fail(reply, new CloudsigmaSimError(500, 'system', 'Internal error.'));
    }
  };

  // In its own plugin context, so the text parser leaves the JSON `/__sim/` API alone.
  void app.register(async (api) => {
    // Whatever the Content-Type says (libcloud sends JSON's with a text body), the body is read as text.
    api.removeAllContentTypeParsers();
    api.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));
    // Every verb is routed, so that a known command with the other verb answers 405 rather than 404.
    for (const command of table) {
      for (const prefix of ['', '/guests']) {
        // The manual's `/guests/` is an alias of `/servers/`.
        if (prefix && !command.url.startsWith('/servers/')) continue;
        const url = prefix ? command.url.replace(/^\/servers/, prefix) : command.url;
        api.route({ method: ALL_VERBS, url, handler: (request, reply) => run(command, request, reply) });
      }
    }
    api.setNotFoundHandler(async (request, reply) => {
      if (await authorized(request, reply)) return fail(reply, unknownCommand());
      return reply;
    });
  });
}
