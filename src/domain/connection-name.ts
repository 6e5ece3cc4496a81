/**
 * Connection names: the first part of every gateway id, so lower-case letters, digits and dashes only
 * (docs/design.md#ids). The config refuses other names; the API refuses them in queries and bodies.
 */
export const CONNECTION_NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,39}$/;
