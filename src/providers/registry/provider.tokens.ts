/** Every configured connection, built from the config, as an array. */
export const PROVIDER_CONNECTIONS = Symbol('PROVIDER_CONNECTIONS');
