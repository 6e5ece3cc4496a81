import 'reflect-metadata';
import { PATH_METADATA } from '@nestjs/common/constants';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { validateConfig } from '../config/config.validator';
import { readEnv } from '../config/env';
import { HealthController } from '../health/health.controller';
import { MetricsController } from '../health/metrics.controller';
import { connectionKindSchemas } from '../providers/registry/provider-kinds';
import { TASKS_WAITING_METRIC } from '../tasks/tasks-waiting-metric.service';

/*
 * What ships the gateway (Dockerfile, docker-compose.yml, .ci/run, deploy/kubernetes) checked against the code,
 * without Docker or a cluster (docs/design.md#running-it): one Node major everywhere, commands that name files the
 * build produces, probes that are routes, variables the gateway reads, a config that validates.
 */

const ROOT = join(__dirname, '..', '..');
const K8S = join(ROOT, 'deploy', 'kubernetes');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Every YAML document under deploy/kubernetes, with the file it came from. */
function manifests(): Array<{ file: string; doc: Doc }> {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (entry.endsWith('.yaml')) files.push(path);
    }
  };
  walk(K8S);
  return files.flatMap((path) =>
    parseAllDocuments(readFileSync(path, 'utf8')).map((document) => {
      expect(document.errors).toEqual([]);
      return { file: relative(K8S, path), doc: document.toJS() as Doc };
    }),
  );
}

const all = manifests();
const ofKind = (kind: string) => all.filter(({ doc }) => doc?.kind === kind);
const named = (kind: string, name: string) => {
  const found = ofKind(kind).find(({ doc }) => doc.metadata?.name === name);
  if (!found) throw new Error(`no ${kind} ${name} in deploy/kubernetes`);
  return found.doc;
};
const compose = parse(read('docker-compose.yml')) as Doc;
const deployments = ['cloudmux-api', 'cloudmux-worker'].map((name) => named('Deployment', name));
const gatewayContainer = (deployment: Doc) => deployment.spec.template.spec.containers[0] as Doc;
const envOf = (container: Doc) =>
  new Map<string, Doc>((container.env as Doc[]).map((e) => [e.name as string, e]));

/** The variables the gateway reads (src/config/env.ts is the only reader of process.env). */
const envSource = read('src/config/env.ts');
const gatewayVariables = new Set([
  ...[...envSource.matchAll(/\benv\.([A-Z][A-Z0-9_]*)/g)].map((m) => m[1]),
  ...[...envSource.matchAll(/'([A-Z][A-Z0-9]*_[A-Z0-9_]+)'/g)].map((m) => m[1]),
]);
/** `${VAR}` references of a config file. */
const configVariables = (text: string) => new Set([...text.matchAll(/\$\{([A-Z0-9_]+)/g)].map((m) => m[1]));

/** The source file a `dist/...js` path of the build comes from (tsconfig.build.json: rootDir `.`, outDir dist). */
function sourceOfBuildOutput(distPath: string): string {
  const tsconfig = JSON.parse(read('tsconfig.json')) as Doc;
  const build = JSON.parse(read('tsconfig.build.json')) as Doc;
  expect([tsconfig.compilerOptions.rootDir, tsconfig.compilerOptions.outDir]).toEqual(['.', './dist']);
  expect(distPath).toMatch(/^dist\/.+\.js$/);
  const source = distPath.replace(/^dist\//, '').replace(/\.js$/, '.ts');
  expect(build.include).toContain(source.split('/')[0]);
  expect(existsSync(join(ROOT, source))).toBe(true);
  return source;
}

/** The routes of a controller, from Nest's own metadata. */
function routesOf(controller: new (...args: never[]) => unknown): string[] {
  const base = String(Reflect.getMetadata(PATH_METADATA, controller));
  const proto = controller.prototype as Record<string, unknown>;
  return Object.getOwnPropertyNames(proto)
    .filter((name) => name !== 'constructor')
    .map((name) => Reflect.getMetadata(PATH_METADATA, proto[name] as object) as string | undefined)
    .filter((path): path is string => path !== undefined)
    .map((path) => ['', base, path].filter((part, i) => i === 0 || (part && part !== '/')).join('/'));
}
const ROUTES = new Set([...routesOf(HealthController), ...routesOf(MetricsController)]);

describe('deployment files (docs/design.md#running-it)', () => {
  it('ship one Node major: the Dockerfile images, package.json engines and the Node CI installs', () => {
    const images = [...read('Dockerfile').matchAll(/^FROM node:(\d+)-/gm)].map((m) => Number(m[1]));
    expect(images.length).toBe([...read('Dockerfile').matchAll(/^FROM /gm)].length);
    const engines = (JSON.parse(read('package.json')) as Doc).engines.node as string;
    const lockEngines = (JSON.parse(read('package-lock.json')) as Doc).packages[''].engines.node as string;
    const ci = /^NODE_MAJOR=(\d+)$/m.exec(read('.ci/run'));
    expect(engines).toMatch(/^>=\d+$/);
    expect(lockEngines).toBe(engines);
    const major = Number(engines.slice(2));
    expect(new Set(images)).toEqual(new Set([major]));
    expect(Number(ci?.[1])).toBe(major);
    // CI installs that major from the npm registry and checks it runs on it.
    expect(read('.ci/run')).toContain('"node@${NODE_MAJOR}"');
  });

  it('start files the build produces', () => {
    const cmd = /^CMD \["node", "([^"]+)"\]$/m.exec(read('Dockerfile'));
    expect(sourceOfBuildOutput(cmd![1])).toBe('src/main.ts');
    for (const deployment of deployments)
      expect(sourceOfBuildOutput(gatewayContainer(deployment).args[1] as string)).toBe('src/main.ts');
    const simulators = Object.entries(compose.services as Record<string, Doc>).filter(([name]) =>
      name.startsWith('sim-'),
    );
    expect(simulators.map(([name]) => name).sort()).toEqual([
      'sim-cloudmc',
      'sim-cloudsigma',
      'sim-dcimanager',
      'sim-imco',
    ]);
    for (const [, service] of simulators) {
      const command = typeof service.command === 'string' ? service.command.split(/\s+/) : service.command;
      expect(command[0]).toBe('node');
      expect(sourceOfBuildOutput(command[1] as string)).toBe('sandbox/simulator.cli.ts');
    }
  });

  it('probe routes the gateway serves, on the port it listens on', () => {
    expect(ROUTES).toEqual(new Set(['/health/live', '/health/ready', '/metrics']));
    expect(read('Dockerfile')).toContain("'/health/ready'");
    expect(read('Dockerfile')).toMatch(/^EXPOSE 3000$/m);
    for (const deployment of deployments) {
      const container = gatewayContainer(deployment);
      expect(container.readinessProbe.httpGet.path).toBe('/health/ready');
      expect(container.livenessProbe.httpGet.path).toBe('/health/live');
      expect(container.ports).toEqual([{ name: 'http', containerPort: 3000 }]);
      expect(envOf(container).get('PORT')?.value).toBe('3000');
    }
    const monitor = named('PodMonitor', 'cloudmux').spec.podMetricsEndpoints[0] as Doc;
    expect([monitor.port, ROUTES.has(monitor.path)]).toEqual(['http', true]);
    for (const role of ['api', 'worker']) {
      const test = (compose.services[role].healthcheck.test as string[]).join(' ');
      expect(ROUTES.has(/'(\/[a-z/]+)'/.exec(test)![1])).toBe(true);
    }
  });

  it('set only variables the gateway reads, or its config file substitutes', () => {
    const k8sConfig = named('ConfigMap', 'cloudmux-gateway-config').data['gateway.yaml'] as string;
    const substituted = configVariables(k8sConfig);
    for (const deployment of deployments)
      for (const name of envOf(gatewayContainer(deployment)).keys())
        expect([name, gatewayVariables.has(name) || substituted.has(name)]).toEqual([name, true]);
    const composeConfig = new Set([
      ...configVariables(read('config/gateway.example.yaml')),
      ...configVariables(read('config/gateway.sandbox.yaml')),
    ]);
    for (const role of ['api', 'worker'])
      for (const name of Object.keys(compose.services[role].environment as Doc))
        expect([name, gatewayVariables.has(name) || composeConfig.has(name)]).toEqual([name, true]);
    for (const name of [...read('Dockerfile').matchAll(/\b([A-Z_]+)=/g)].map((m) => m[1]))
      expect([name, gatewayVariables.has(name)]).toEqual([name, true]);
    const patch = parse(
      readFileSync(join(K8S, 'redis-sentinel', 'gateway-sentinel-env.yaml'), 'utf8'),
    ) as Doc[];
    // The Sentinel example replaces REDIS_URL (two topologies at once are refused at start-up) and adds variables the
    // gateway reads.
    expect(patch.slice(0, 2)).toEqual([
      { op: 'test', path: '/spec/template/spec/containers/0/env/4/name', value: 'REDIS_URL' },
      { op: 'remove', path: '/spec/template/spec/containers/0/env/4' },
    ]);
    for (const { value } of patch.filter((op) => op.op === 'add'))
      expect([value.name, gatewayVariables.has(value.name)]).toEqual([value.name, true]);
    for (const deployment of deployments)
      expect((gatewayContainer(deployment).env as Doc[])[4].name).toBe('REDIS_URL');
  });

  it('give the Kubernetes config every variable it names, and it validates as the gateway reads it', () => {
    const text = named('ConfigMap', 'cloudmux-gateway-config').data['gateway.yaml'] as string;
    for (const deployment of deployments) {
      const container = gatewayContainer(deployment);
      const env = envOf(container);
      for (const name of configVariables(text))
        expect([name, env.get(name)?.valueFrom?.secretKeyRef?.name]).toEqual([name, 'cloudmux-secrets']);
      // GATEWAY_CONFIG is the ConfigMap's key, mounted where the variable says.
      const mount = (container.volumeMounts as Doc[]).find(
        (m) => m.mountPath === env.get('GATEWAY_CONFIG')?.value,
      );
      const volume = (deployment.spec.template.spec.volumes as Doc[]).find((v) => v.name === mount?.name);
      expect([mount?.subPath, volume?.configMap?.name]).toEqual(['gateway.yaml', 'cloudmux-gateway-config']);
    }
    const variables = Object.fromEntries(
      [...configVariables(text)].map((name) => [name, `placeholder-${name}`]),
    );
    variables.TASKS_SECRET_KEY = Buffer.alloc(32, 7).toString('base64');
    const env = readEnv({ GATEWAY_CONFIG: '/etc/cloudmux/gateway.yaml', REDIS_URL: 'redis://redis:6379' });
    const config = validateConfig(parse(text), {
      env,
      kinds: connectionKindSchemas(),
      baseDir: '/',
      variables,
    });
    // IMCO's PEM files are where the imco-tls Secret volume puts them.
    const imco = config.providers.find((p) => p.kind === 'imco') as unknown as {
      tls: Record<string, string>;
    };
    const container = gatewayContainer(deployments[0]);
    const tlsMount = (container.volumeMounts as Doc[]).find((m) => m.name === 'imco-tls')!;
    const tlsVolume = (deployments[0].spec.template.spec.volumes as Doc[]).find(
      (v) => v.name === 'imco-tls',
    )!;
    const files = (tlsVolume.secret.items as Doc[]).map((item) => `${tlsMount.mountPath}/${item.path}`);
    expect(Object.values(imco.tls).sort()).toEqual(files.sort());
  });

  it('run both roles of one image, unprivileged, on a read-only root, behind disruption budgets', () => {
    const [api, worker] = deployments.map(gatewayContainer);
    expect(envOf(api).get('GATEWAY_ROLE')?.value).toBe('api');
    expect(envOf(worker).get('GATEWAY_ROLE')?.value).toBe('worker');
    expect(worker.image).toBe(api.image);
    const kustomization = parse(readFileSync(join(K8S, 'kustomization.yaml'), 'utf8')) as Doc;
    expect((kustomization.images as Doc[]).map((i) => i.name as string)).toEqual([api.image]);
    for (const deployment of deployments) {
      const pod = deployment.spec.template.spec as Doc;
      const container = gatewayContainer(deployment);
      // The Dockerfile's `USER node` is uid 1000; runAsNonRoot cannot check a user name.
      expect(read('Dockerfile')).toMatch(/^USER node$/m);
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
      expect(container.securityContext).toMatchObject({
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
      });
      expect(container.resources.requests).toBeDefined();
      expect(container.resources.limits.memory).toBeDefined();
      const labels = deployment.spec.template.metadata.labels as Doc;
      expect(labels).toMatchObject(deployment.spec.selector.matchLabels as Doc);
      const budget = ofKind('PodDisruptionBudget').find(({ doc }) =>
        Object.entries(doc.spec.selector.matchLabels as Doc).every(([k, v]) => labels[k] === v),
      );
      expect(budget).toBeDefined();
    }
    const service = named('Service', 'cloudmux-api').spec as Doc;
    expect(deployments[0].spec.template.metadata.labels).toMatchObject(service.selector as Doc);
    expect(service.ports[0].targetPort).toBe('http');
  });

  it('scale workers on the tasks-waiting gauge the gateway exports', () => {
    const scaled = named('ScaledObject', 'cloudmux-worker').spec as Doc;
    expect(scaled.scaleTargetRef.name).toBe('cloudmux-worker');
    expect(scaled.minReplicaCount).toBeGreaterThanOrEqual(1);
    const trigger = scaled.triggers[0] as Doc;
    expect(trigger.type).toBe('prometheus');
    expect(trigger.metadata.query).toContain(`max by (provider) (${TASKS_WAITING_METRIC})`);
  });

  it('list only files that exist in each kustomization', () => {
    for (const { file, doc } of all.filter(({ file }) => file.endsWith('kustomization.yaml'))) {
      const dir = join(K8S, dirname(file));
      const listed = [
        ...((doc.resources as string[]) ?? []),
        ...((doc.components as string[]) ?? []),
        ...((doc.patches as Doc[]) ?? []).map((p) => p.path as string),
      ];
      for (const entry of listed)
        expect([file, entry, existsSync(join(dir, entry))]).toEqual([file, entry, true]);
    }
    for (const { file, doc } of all.filter(({ file }) => !file.endsWith('gateway-sentinel-env.yaml')))
      expect([file, typeof doc.apiVersion, typeof doc.kind]).toEqual([file, 'string', 'string']);
  });

  it('start docker compose without a race: healthy Redis and IMCO certificates first, restarts, own checks', () => {
    const services = compose.services as Record<string, Doc>;
    for (const [name, service] of Object.entries(services)) {
      expect([name, service.restart]).toEqual([name, 'unless-stopped']);
      expect([name, Array.isArray(service.healthcheck?.test)]).toEqual([name, true]);
    }
    for (const role of ['api', 'worker']) {
      const after = services[role].depends_on as Doc;
      expect(after.redis).toEqual({ condition: 'service_healthy' });
      expect(after['sim-imco']).toEqual({ condition: 'service_healthy', required: false });
      expect(services[role].environment.GATEWAY_CONFIG).toBe('/config/gateway.yaml');
      expect(services[role].volumes).toContain('./config:/config:ro');
    }
    expect(services.redis.healthcheck.test).toEqual(['CMD', 'redis-cli', 'ping']);
    // The sandbox config reads IMCO's files from where sim-imco writes them, and its health waits for each.
    const sandbox = parse(read('config/gateway.sandbox.yaml')) as Doc;
    const imco = (sandbox.providers as Doc[]).find((p) => p.kind === 'imco')!;
    const check = (services['sim-imco'].healthcheck.test as string[]).join(' ');
    const dataDir = services['sim-imco'].command[
      (services['sim-imco'].command as string[]).indexOf('--data-dir') + 1
    ] as string;
    for (const file of Object.values(imco.tls as Record<string, string>)) {
      expect(file.startsWith(`${dataDir}/imco/`)).toBe(true);
      expect(check).toContain(`test -s ${file}`);
    }
    // Each simulator is where the sandbox config points, and its health check probes that port.
    for (const connection of sandbox.providers as Doc[]) {
      const url = new URL(connection.endpoint as string);
      const service = services[url.hostname];
      const command =
        typeof service.command === 'string' ? service.command : (service.command as string[]).join(' ');
      expect(command).toContain(`--port ${url.port}`);
      expect((service.healthcheck.test as string[]).join(' ')).toContain(`connect(${url.port},`);
    }
  });
});
