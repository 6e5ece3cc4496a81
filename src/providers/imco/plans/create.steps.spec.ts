import { ConflictError, ProviderError } from '../../../common/errors/gateway-error';
import type { HttpMethod } from '../../kit/http/upstream-client';
import type { OperationRequest } from '../../ports/operations';
import type { StepContext } from '../../ports/operation-plan';
import type { ImcoClient } from '../client/http.client';
import type { ImcoContext } from './context';
import type { LabelBook } from './labels';
import { DRAFT_KEY, type ServerDraft, blueprintStep, keyIdentity } from './create.steps';
import type { ServerPlanCache } from './reads';
import type { PolledCollections } from './wait.steps';
import type { ImTemplate } from '../client/wire.types';

// The template part of `prepare-blueprint` against a scripted IMCO (docs/providers/imco.md#templates): the
// contract suite drives the same step against the simulator.

const IMAGE = { id: 'g1', name: 'Windows' };

/** Just enough of IMCO's blueprint and SSH-profile calls, with the template states set by the test. */
class ScriptedImco {
  templates = new Map<string, ImTemplate>();
  calls: string[] = [];
  /** What `PUT .../compile` does: move the template to this state, or throw. */
  onCompile: (template: ImTemplate) => void = (template) => (template.state = 'compiling');
  unknown: string[] = [];

  client(): ImcoClient {
    const list = async (path: string) => {
      this.calls.push(`GET ${path}`);
      if (path === '/blueprint/templates') return [...this.templates.values()].map((t) => ({ ...t }));
      return [];
    };
    const get = async (path: string) => {
      this.calls.push(`GET ${path}`);
      const template = this.templates.get(path.split('/').at(-1)!);
      return template ? { ...template } : null;
    };
    const send = async (method: HttpMethod, path: string, _operation: string, body?: unknown) => {
      this.calls.push(`${method} ${path}`);
      if (method === 'POST' && path === '/blueprint/templates') {
        const made: ImTemplate = {
          id: `t${this.templates.size + 1}`,
          ...(body as { name: string; generic_image_id: string }),
          state: 'created',
        };
        this.templates.set(made.id, made);
        return { ...made };
      }
      const compile = /^\/blueprint\/templates\/([^/]+)\/compile$/.exec(path);
      if (method === 'PUT' && compile) {
        const template = this.templates.get(compile[1])!;
        this.onCompile(template);
        return { ...template };
      }
      throw new Error(`unexpected ${method} ${path}`);
    };
    return { list, get, send } as unknown as ImcoClient;
  }

  context(): ImcoContext {
    return {
      client: this.client(),
      map: { onUnknownState: (resource, raw) => this.unknown.push(`${resource}:${raw}`) },
      backoff: { initialMs: 10, maxMs: 10 },
      polled: {} as PolledCollections,
      limits: { maxItems: 100 },
      labels: {} as LabelBook,
      serverPlans: {} as ServerPlanCache,
      discardOnDelete: false,
      overrideStalled: false,
    };
  }

  count(call: string): number {
    return this.calls.filter((c) => c === call).length;
  }
}

const request = { input: { name: 'web-1' } } as OperationRequest<'server.create'>;

function draftState(draft: Partial<ServerDraft> = {}): Record<string, unknown> {
  const full: ServerDraft = {
    body: { name: 'web-1', ssh_profile_ids: ['ssh1'] },
    genericImage: IMAGE,
    keysToAdd: [],
    ...draft,
  };
  return { [DRAFT_KEY]: full };
}

const at = (state: Record<string, unknown>, resumed = false): StepContext => ({
  taskId: 'T',
  nativeId: null,
  state,
  polls: 0,
  stepStartedAt: 0,
  resumed,
});

const draftOf = (state: Record<string, unknown>) => state[DRAFT_KEY] as ServerDraft;

describe('prepare-blueprint: templates', () => {
  it('should make a template for a generic image, ask for its compile once, wait through compiling and go on at ready', async () => {
    const imco = new ScriptedImco();
    const step = blueprintStep(imco.context(), request);
    const state = draftState();

    expect(await step.run(at(state))).toMatchObject({ status: 'wait', providerStatus: 'template-compiling' });
    expect(imco.count('POST /blueprint/templates')).toBe(1);
    expect(imco.count('PUT /blueprint/templates/t1/compile')).toBe(1);
    expect(draftOf(state).body.template_id).toBeUndefined();

    expect(await step.run(at(state))).toMatchObject({ status: 'wait', providerStatus: 'template-compiling' });
    imco.templates.get('t1')!.state = 'ready';
    expect(await step.run(at(state))).toEqual({ status: 'done' });

    expect(draftOf(state).body).toMatchObject({ template_id: 't1', ssh_profile_id: 'ssh1' });
    expect(imco.count('POST /blueprint/templates')).toBe(1);
    expect(imco.count('PUT /blueprint/templates/t1/compile')).toBe(1);
  });

  it('should compile a template it finds in created, and take a found ready (or compiled) one as it is', async () => {
    const imco = new ScriptedImco();
    imco.templates.set('t7', { id: 't7', name: IMAGE.name, generic_image_id: IMAGE.id, state: 'created' });
    const state = draftState();
    await blueprintStep(imco.context(), request).run(at(state));
    expect(imco.count('POST /blueprint/templates')).toBe(0);
    expect(imco.count('PUT /blueprint/templates/t7/compile')).toBe(1);

    for (const ready of ['ready', 'compiled', 'READY']) {
      const other = new ScriptedImco();
      other.templates.set('t7', { id: 't7', name: IMAGE.name, generic_image_id: IMAGE.id, state: ready });
      const fresh = draftState();
      expect(await blueprintStep(other.context(), request).run(at(fresh))).toEqual({ status: 'done' });
      expect(draftOf(fresh).body.template_id).toBe('t7');
      expect(other.calls.some((c) => c.endsWith('/compile'))).toBe(false);
    }
  });

  it('should compile a template the caller named when it is not ready yet', async () => {
    const imco = new ScriptedImco();
    imco.templates.set('t9', { id: 't9', name: 'mine', generic_image_id: 'g2', state: 'created' });
    const state = draftState({ genericImage: undefined, template: { id: 't9' } });
    const step = blueprintStep(imco.context(), request);
    expect(await step.run(at(state))).toMatchObject({ status: 'wait', providerStatus: 'template-compiling' });
    imco.templates.get('t9')!.state = 'ready';
    expect(await step.run(at(state))).toEqual({ status: 'done' });
    expect(draftOf(state).body.template_id).toBe('t9');
    expect(imco.count('POST /blueprint/templates')).toBe(0);
  });

  it('should not ask again while IMCO still shows created after the ask, unless the step is resumed and looks', async () => {
    const imco = new ScriptedImco();
    imco.onCompile = () => undefined; // IMCO took the request but has not started yet
    const step = blueprintStep(imco.context(), request);
    const state = draftState();
    expect(await step.run(at(state))).toMatchObject({ status: 'wait', providerStatus: 'template-created' });
    expect(await step.run(at(state))).toMatchObject({ status: 'wait', providerStatus: 'template-created' });
    expect(imco.count('PUT /blueprint/templates/t1/compile')).toBe(1);
    expect(draftOf(state).template).toEqual({ id: 't1', compileAsked: true });

    // Resumed: the last call may not have landed. It looks first and asks again only because it is still created.
    await step.run(at(state, true));
    expect(imco.count('PUT /blueprint/templates/t1/compile')).toBe(2);
    imco.templates.get('t1')!.state = 'compiling';
    expect(await step.run(at(state, true))).toMatchObject({ providerStatus: 'template-compiling' });
    expect(imco.count('PUT /blueprint/templates/t1/compile')).toBe(2);
  });

  it('should remember the ask before the call, so that a failed call is followed by a look, not a blind repeat', async () => {
    const imco = new ScriptedImco();
    imco.onCompile = (template) => {
      template.state = 'compiling';
      throw new ProviderError('IMCO failed (HTTP 502)');
    };
    const step = blueprintStep(imco.context(), request);
    const state = draftState();
    await expect(step.run(at(state))).rejects.toBeInstanceOf(ProviderError);
    expect(draftOf(state).template).toEqual({ id: 't1', compileAsked: true });
    // The engine retries the step: the compile did land, so it only waits.
    expect(await step.run(at(state, true))).toMatchObject({ providerStatus: 'template-compiling' });
    expect(imco.count('PUT /blueprint/templates/t1/compile')).toBe(1);
  });

  it('should take a compile refused as a conflict (another task asked first) when a look shows it compiling', async () => {
    const imco = new ScriptedImco();
    imco.onCompile = (template) => {
      template.state = 'compiling';
      throw new ConflictError('cannot transition via "compile" from "compiling"');
    };
    const state = draftState();
    expect(await blueprintStep(imco.context(), request).run(at(state))).toMatchObject({
      status: 'wait',
      providerStatus: 'template-compiling',
    });

    const stuck = new ScriptedImco();
    const refusal = new ConflictError('no');
    stuck.onCompile = () => {
      throw refusal;
    };
    await expect(blueprintStep(stuck.context(), request).run(at(draftState()))).rejects.toBe(refusal);
  });

  it('should fail with a provider error naming the template and its state at compiling_error', async () => {
    const imco = new ScriptedImco();
    const step = blueprintStep(imco.context(), request);
    const state = draftState();
    await step.run(at(state));
    imco.templates.get('t1')!.state = 'compiling_error';
    const failure = await step.run(at(state)).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ProviderError);
    expect(failure).toMatchObject({
      code: 'provider_error',
      retryable: false,
      message: expect.stringMatching(/template t1\b.*compiling_error/),
    });
    expect(imco.count('PUT /blueprint/templates/t1/compile')).toBe(1);
  });

  it('should keep waiting through a state it does not know, reporting it, without asking for a compile', async () => {
    const imco = new ScriptedImco();
    imco.templates.set('t3', { id: 't3', name: IMAGE.name, generic_image_id: IMAGE.id, state: 'queued' });
    const state = draftState();
    expect(await blueprintStep(imco.context(), request).run(at(state))).toMatchObject({
      status: 'wait',
      providerStatus: 'template-queued',
    });
    expect(imco.unknown).toEqual(['template:queued']);
    expect(imco.calls.some((c) => c.endsWith('/compile'))).toBe(false);
    expect(draftOf(state).body.template_id).toBeUndefined();
  });

  it('should make the template again when the one it was waiting for was deleted meanwhile', async () => {
    const imco = new ScriptedImco();
    const step = blueprintStep(imco.context(), request);
    const state = draftState();
    await step.run(at(state));
    imco.templates.delete('t1');
    await step.run(at(state));
    expect(imco.count('POST /blueprint/templates')).toBe(2);
    expect(draftOf(state).template).toEqual({ id: 't1', compileAsked: true });
  });
});

describe('prepare: SSH keys', () => {
  it('should compare public keys by type and key, not by comment or spacing', () => {
    expect(keyIdentity('  ssh-ed25519   AAAAC3Nza1   me@laptop ')).toBe('ssh-ed25519 AAAAC3Nza1');
    expect(keyIdentity('ssh-ed25519 AAAAC3Nza1')).toBe(keyIdentity('ssh-ed25519 AAAAC3Nza1 other'));
    expect(keyIdentity(null)).toBe('');
  });
});
