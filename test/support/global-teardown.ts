export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __testRedis?: { stop(): Promise<void> } }).__testRedis?.stop();
}
