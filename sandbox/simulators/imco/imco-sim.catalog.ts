import {
  type Body,
  asBody,
  existingIds,
  optionalIdArray,
  optionalString,
  requiredString,
} from './imco-sim.body';
import { type IdParams, type RouteContext, created, noContent } from './imco-sim.context';
import { inUse, invalid, notFound } from './imco-sim.errors';
import type { CookbookVersions, TemplateRecord } from './imco-sim.model';
import {
  renderCloudAccount,
  renderEvent,
  renderRealm,
  renderServerPlan,
  renderTemplate,
} from './imco-sim.render';
import { DURATIONS } from './imco-sim.state';

// Ping, settings, cloud providers, realms, plans, images, templates, wizard locations and events (§1, §3.7, §3.8).

const isHash = (value: unknown): value is Record<string, unknown> =>
  !!value && typeof value === 'object' && !Array.isArray(value);

/** `cookbook_versions`: a hash of cookbook name → version fields (`{"nginx": {"version": "12.2.0"}}`), as sent. */
function cookbookVersions(body: Body): CookbookVersions {
  const value = body.cookbook_versions;
  if (value === undefined || value === null) return {};
  if (!isHash(value) || !Object.values(value).every(isHash))
    throw invalid('cookbook_versions', 'must be a hash of cookbook names to version fields');
  return value as CookbookVersions;
}

function configurationAttributes(body: Body): Record<string, unknown> {
  const value = body.configuration_attributes;
  if (value === undefined || value === null) return {};
  if (!isHash(value)) throw invalid('configuration_attributes', 'must be a hash');
  return value;
}

export function registerCatalogRoutes(ctx: RouteContext): void {
  const { app, state, version } = ctx;
  const provider = (id: string) => {
    const found = state.catalog.cloudProviders.find((p) => p.id === id);
    if (!found) throw notFound('CloudProvider', id);
    return found;
  };
  const template = (id: string) => state.require(state.templates, 'Template', id);

  app.get('/ping', async () => ({ pong: true, api_version: version }));

  app.get('/settings/cloud_accounts', async () =>
    state.catalog.cloudAccounts.map((a) => renderCloudAccount(version, a)),
  );
  app.get<IdParams>('/settings/cloud_accounts/:id', async (request) => {
    const account = state.catalog.cloudAccounts.find((a) => a.id === request.params.id);
    if (!account) throw notFound('CloudAccount', request.params.id);
    return renderCloudAccount(version, account);
  });
  app.get<IdParams>('/settings/cloud_accounts/:id/policy_assignments', async (request) => {
    if (!state.catalog.cloudAccounts.some((a) => a.id === request.params.id))
      throw notFound('CloudAccount', request.params.id);
    return [];
  });

  app.get('/cloud/cloud_providers', async () =>
    state.catalog.cloudProviders.map((p) => ({ id: p.id, name: p.name, resource_type: 'cloud_provider' })),
  );
  app.get<IdParams>('/cloud/cloud_providers/:id/realms', async (request) => {
    provider(request.params.id);
    return state.catalog.realms.filter((r) => r.cloudProviderId === request.params.id).map(renderRealm);
  });
  app.get<IdParams>('/cloud/realms/:id', async (request) => {
    const realm = state.catalog.realms.find((r) => r.id === request.params.id);
    if (!realm) throw notFound('Realm', request.params.id);
    return renderRealm(realm);
  });
  // v3 requires the realm (as IMCO's CLI sends it: docs/providers/imco.md#cloud-accounts-realms-and-plans); v2
  // lists every plan of the provider without one.
  app.get<{ Params: { id: string }; Querystring: { realm_id?: string } }>(
    '/cloud/cloud_providers/:id/server_plans',
    async (request) => {
      provider(request.params.id);
      const realmId = request.query.realm_id;
      if (!realmId && version === 'v3') throw invalid('realm_id', "can't be blank");
      const realms = state.catalog.realms.filter(
        (r) => r.cloudProviderId === request.params.id && (!realmId || r.id === realmId),
      );
      if (realmId && realms.length === 0) throw invalid('realm_id', 'is invalid');
      return state.catalog.serverPlans
        .filter((plan) => realms.some((r) => r.id === plan.realmId))
        .map((plan) => renderServerPlan(state, plan));
    },
  );
  app.get<IdParams>('/cloud/server_plans/:id', async (request) => {
    const plan = state.catalog.serverPlans.find((p) => p.id === request.params.id);
    if (!plan) throw notFound('ServerPlan', request.params.id);
    return renderServerPlan(state, plan);
  });
  app.get('/cloud/generic_images', async () =>
    state.catalog.genericImages.map((i) => ({ id: i.id, name: i.name, resource_type: 'generic_image' })),
  );
  app.get('/wizard/locations', async () =>
    state.catalog.locations.map((l) => ({ id: l.id, name: l.name, resource_type: 'location' })),
  );

  app.get('/blueprint/templates', async () => [...state.templates.values()].map(renderTemplate));
  app.get<IdParams>('/blueprint/templates/:id', async (request) =>
    renderTemplate(template(request.params.id)),
  );
  // A new template is `created`: nothing can be built from it until a compile has made it `ready`.
  app.post('/blueprint/templates', async (request, reply) => {
    const body = asBody(request.body);
    const imageId = requiredString(body, 'generic_image_id');
    if (!state.catalog.genericImages.some((i) => i.id === imageId))
      throw invalid('generic_image_id', 'is invalid');
    const runList = body.run_list;
    if (runList !== undefined && !(Array.isArray(runList) && runList.every((r) => typeof r === 'string')))
      throw invalid('run_list', 'must be an array of strings');
    const record: TemplateRecord = {
      id: state.newId(),
      name: requiredString(body, 'name'),
      genericImageId: imageId,
      state: 'created',
      runList: runList ?? [],
      cookbookVersions: cookbookVersions(body),
      configurationAttributes: configurationAttributes(body),
      labelIds: existingIds('label_ids', optionalIdArray(body, 'label_ids'), state.labels) ?? [],
    };
    state.templates.set(record.id, record);
    return created(ctx, reply, renderTemplate(record));
  });
  app.put<IdParams>('/blueprint/templates/:id', async (request) => {
    const record = template(request.params.id);
    record.name = optionalString(asBody(request.body), 'name') ?? record.name;
    return renderTemplate(record);
  });
  // created, ready (a recompile) or compiling_error → compiling → ready, or compiling_error when `failNext`
  // says so. A compile already under way is a refused transition, like any other.
  app.put<IdParams>('/blueprint/templates/:id/compile', async (request) => {
    const record = template(request.params.id);
    asBody(request.body);
    const from = ['created', 'ready', 'compiling_error'];
    if (!from.includes(record.state)) throw state.refuse('a template', 'compile', record.state, from);
    record.state = 'compiling';
    state.settle(state.templates, record, 'compiling', DURATIONS.compile, () => {
      if (!state.takeFailure('templates.compile')) return void (record.state = 'ready');
      record.state = 'compiling_error';
      state.event(
        'error',
        `Template ${record.name} compilation failed`,
        'A cookbook of the run list could not be resolved (simulated failure).',
      );
    });
    return renderTemplate(record);
  });
  app.delete<IdParams>('/blueprint/templates/:id', async (request, reply) => {
    const record = template(request.params.id);
    if ([...state.servers.values()].some((s) => s.templateId === record.id))
      throw inUse('The template is used by a server');
    state.templates.delete(record.id);
    return noContent(reply);
  });

  app.get('/audit/events', async () => state.events.filter((e) => !e.system).map(renderEvent));
  app.get<IdParams>('/audit/events/:id', async (request) => {
    const event = state.events.find((e) => e.id === request.params.id && !e.system);
    if (!event) throw notFound('Event', request.params.id);
    return renderEvent(event);
  });
  app.get('/audit/system_events', async () => state.events.filter((e) => e.system).map(renderEvent));
}
