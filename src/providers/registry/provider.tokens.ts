/** All adapters built from the config, as an array. */
export const PROVIDER_ADAPTERS = Symbol('PROVIDER_ADAPTERS');
