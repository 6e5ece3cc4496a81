/** The shared command connection. */
export const REDIS = Symbol('REDIS');
/** A dedicated connection for blocking reads (XREAD BLOCK of the event stream). */
export const REDIS_BLOCKING = Symbol('REDIS_BLOCKING');
