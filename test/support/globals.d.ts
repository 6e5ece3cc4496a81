// The generated fetch client names the DOM's BodyInit; on Node it is undici's (the fetch behind globalThis.fetch).
type BodyInit = import('undici-types').BodyInit;
