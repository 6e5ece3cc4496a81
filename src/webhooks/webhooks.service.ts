import { Inject, Injectable } from '@nestjs/common';
import { ulid } from 'ulid';
import type { Caller } from '../common/auth/caller';
import {
  ConflictError,
  IdempotencyMismatchError,
  NotFoundError,
  ValidationError,
} from '../common/errors/gateway-error';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway-config';
import { ProviderRegistry } from '../providers/registry/provider-registry.service';
import { cipherFromSettings, type SecretCipher } from '../tasks/task-secrets';
import { newDelivery, type DeliveryRecord } from './delivery-record';
import { DeliveryStore } from './delivery-store.service';
import { checkAtRegistration, parseTargetUrl, TargetRefused } from './target-guard';
import { WEBHOOK_RESOLVER, type WebhookResolver } from './target-resolver';
import { testPayload } from './webhook-payload';
import { WebhookQueue } from './webhook-queue';
import { newSecret, openSecret, storeSecret } from './webhook-secret';
import { WebhookStore } from './webhook-store.service';
import {
  viewOf,
  WEBHOOK_ID_PATTERN,
  WEBHOOK_TEST_EVENT,
  type WebhookEventFilter,
  type WebhookRecord,
  type WebhookView,
} from './webhook';

/** What a client gives to make a webhook. */
export interface WebhookInput {
  url: string;
  events: WebhookEventFilter[];
  providers?: string[] | null;
}

/** A change: absent fields stay; `providers: null` means every connection of the key. */
export interface WebhookChange {
  url?: string;
  events?: WebhookEventFilter[];
  providers?: string[] | null;
  enabled?: boolean;
}

export type WebhookWithSecret = WebhookView & { secret: string };

/**
 * The webhook API's rules (docs/design.md#webhooks): a webhook belongs to the API key (by name) that made it and
 * any other key gets 404 for it; its target is checked against SSRF rules; its secret is shown only when made
 * and when rotated, and kept sealed.
 */
@Injectable()
export class WebhooksService {
  private readonly cipher: SecretCipher | null;

  constructor(
    private readonly store: WebhookStore,
    private readonly deliveries: DeliveryStore,
    private readonly queue: WebhookQueue,
    private readonly registry: ProviderRegistry,
    @Inject(WEBHOOK_RESOLVER) private readonly resolver: WebhookResolver,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {
    this.cipher = cipherFromSettings(config.tasks);
  }

  /**
   * Registers a webhook. With an `Idempotency-Key` the same key and request within the task retention answer the
   * webhook made first, secret included (the answer the client did not get); another request → 422.
   */
  async create(
    caller: Caller,
    input: WebhookInput,
    idempotency: { key: string; fingerprint: string } | null = null,
  ): Promise<WebhookWithSecret> {
    const url = await this.checkUrl(input.url);
    const providers = this.checkProviders(caller, input.providers ?? null);
    const now = new Date().toISOString();
    const record: WebhookRecord = {
      id: ulid(),
      keyName: caller.keyName,
      url,
      events: [...new Set(input.events)],
      providers,
      enabled: true,
      disabledReason: null,
      disabledAt: null,
      failureStreak: 0,
      createdAt: now,
      updatedAt: now,
    };
    const secret = newSecret();
    const max = this.config.webhooks.maxPerKey;
    const outcome = await this.store.create(
      record,
      storeSecret(this.cipher, record.id, secret),
      max,
      idempotency && { ...idempotency, ttlSeconds: this.config.tasks.retentionHours * 3600 },
    );
    if (outcome.kind === 'replay') return this.replay(caller, outcome.id, outcome.sameRequest);
    if (outcome.kind === 'limit')
      throw new ConflictError(
        `The API key '${caller.keyName}' has ${max} webhooks, the most one key may have (webhooks.maxPerKey): delete one first.`,
        { extensions: { reason: 'webhook_limit' } },
      );
    return { ...viewOf(record), secret };
  }

  private async replay(caller: Caller, id: string, sameRequest: boolean): Promise<WebhookWithSecret> {
    if (!sameRequest)
      throw new IdempotencyMismatchError(
        'This Idempotency-Key was used with a different request; use a new key for a new request.',
      );
    const [record, stored] = await Promise.all([this.store.get(id), this.store.secretOf(id)]);
    if (!record || record.keyName !== caller.keyName || stored === null)
      throw new ConflictError(`The webhook ${id} of this Idempotency-Key is no longer kept; use a new key.`);
    return { ...viewOf(record), secret: openSecret(this.cipher, id, stored) };
  }

  async list(
    caller: Caller,
    size: number,
    after: string | null,
  ): Promise<{ items: WebhookView[]; next: string | null }> {
    const all = await this.store.ofKey(caller.keyName);
    const start = after ? all.filter((w) => w.id >= after).length : 0;
    const page = all.slice(start, start + size);
    return { items: page.map(viewOf), next: start + size < all.length ? page[page.length - 1].id : null };
  }

  async get(caller: Caller, id: string): Promise<WebhookView> {
    return viewOf(await this.owned(caller, id));
  }

  async update(caller: Caller, id: string, change: WebhookChange): Promise<WebhookView> {
    const current = await this.owned(caller, id);
    // After the 404 of an unknown id, as every mutation on an id answers.
    if (Object.values(change).every((value) => value === undefined))
      throw new ValidationError('The change is empty: give url, events, providers or enabled.', [
        { field: 'body', message: 'must change at least one of url, events, providers, enabled' },
      ]);
    const next: Partial<WebhookRecord> = { updatedAt: new Date().toISOString() };
    if (change.url !== undefined) next.url = await this.checkUrl(change.url);
    if (change.events !== undefined) next.events = [...new Set(change.events)];
    if (change.providers !== undefined) next.providers = this.checkProviders(caller, change.providers);
    if (change.enabled === true && !current.enabled)
      Object.assign(next, { enabled: true, disabledReason: null, disabledAt: null, failureStreak: 0 });
    if (change.enabled === true) next.failureStreak = 0;
    if (change.enabled === false && current.enabled)
      Object.assign(next, {
        enabled: false,
        disabledReason: 'disabled by PATCH',
        disabledAt: next.updatedAt,
      });
    if (!(await this.store.update(id, next))) throw this.notFound(id);
    return viewOf({ ...current, ...next });
  }

  async delete(caller: Caller, id: string): Promise<void> {
    const current = await this.owned(caller, id);
    await this.store.delete(current);
    await this.deliveries.deleteAll(id);
  }

  /** A new secret, in force at once: the next attempt of every delivery is signed with it. */
  async rotateSecret(caller: Caller, id: string): Promise<WebhookWithSecret> {
    const current = await this.owned(caller, id);
    const secret = newSecret();
    const updatedAt = new Date().toISOString();
    if (!(await this.store.update(id, { updatedAt }, storeSecret(this.cipher, id, secret))))
      throw this.notFound(id);
    return { ...viewOf({ ...current, updatedAt }), secret };
  }

  /** Sends a `webhook.test` event now, whatever the webhook's filter: its pending delivery record. */
  async test(caller: Caller, id: string): Promise<DeliveryRecord> {
    await this.owned(caller, id);
    const now = new Date();
    const testId = ulid();
    const record = newDelivery(
      { id: `t${testId}`, webhookId: id, eventId: testId, eventType: WEBHOOK_TEST_EVENT },
      now,
    );
    await this.deliveries.create(record);
    await this.queue.enqueue({
      webhookId: id,
      deliveryId: record.id,
      body: JSON.stringify(testPayload(id, now)),
    });
    return record;
  }

  async listDeliveries(
    caller: Caller,
    id: string,
    size: number,
    after: string | null,
  ): Promise<{ items: DeliveryRecord[]; next: string | null }> {
    await this.owned(caller, id);
    return this.deliveries.page(id, size, after);
  }

  /** The webhook when this key made it; 404 otherwise, the same as for an id that does not exist. */
  private async owned(caller: Caller, id: string): Promise<WebhookRecord> {
    if (!WEBHOOK_ID_PATTERN.test(id))
      throw new ValidationError(`'${id.slice(0, 64)}' is not a webhook id.`, [
        { field: 'id', message: 'must be a webhook id (26-character ULID)' },
      ]);
    const record = await this.store.get(id);
    if (!record || record.keyName !== caller.keyName) throw this.notFound(id);
    return record;
  }

  private notFound(id: string): NotFoundError {
    return new NotFoundError(`No webhook '${id}'.`);
  }

  private async checkUrl(text: string): Promise<string> {
    const target = parseTargetUrl(text.trim());
    if ('refused' in target)
      throw new ValidationError(`url ${target.refused}.`, [{ field: 'url', message: target.refused }]);
    try {
      await checkAtRegistration(target, this.resolver, this.config.webhooks.allowPrivateTargets);
    } catch (error) {
      if (!(error instanceof TargetRefused)) throw error;
      const message = `is not a target the gateway sends to: ${error.message} (webhooks.allowPrivateTargets is off)`;
      throw new ValidationError(`url ${message}.`, [{ field: 'url', message }]);
    }
    return target.href;
  }

  /** Connections the key may see, named once each; null stays null (every connection, now and later). */
  private checkProviders(caller: Caller, providers: string[] | null): string[] | null {
    if (providers === null) return null;
    const visible = new Set(caller.visible(this.registry.names()));
    const unknown = providers.filter((name) => !visible.has(name));
    if (unknown.length)
      throw new ValidationError(
        `providers: no provider connection ${unknown.map((n) => `'${n}'`).join(', ')}.`,
        [{ field: 'providers', message: `names no connection this API key may see: ${unknown.join(', ')}` }],
      );
    return [...new Set(providers)];
  }
}
