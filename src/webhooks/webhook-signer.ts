import { Webhook } from 'standardwebhooks';

/** The Standard Webhooks headers of one attempt. */
export interface SignedHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/** The message id of a delivery: the same on every retry, so receivers can drop repeats. */
export const messageIdOf = (deliveryId: string) => `msg_${deliveryId}`;

/**
 * Signs one attempt as the Standard Webhooks specification says, with its reference library: `v1,` + base64
 * HMAC-SHA256 of `<id>.<timestamp>.<body>`, keyed with the base64-decoded secret after `whsec_`. The timestamp
 * is this attempt's, in unix seconds.
 */
export function signAttempt(secret: string, deliveryId: string, body: string, at: Date): SignedHeaders {
  const id = messageIdOf(deliveryId);
  const seconds = Math.floor(at.getTime() / 1000);
  return {
    'webhook-id': id,
    'webhook-timestamp': String(seconds),
    'webhook-signature': new Webhook(secret).sign(id, new Date(seconds * 1000), body),
  };
}
