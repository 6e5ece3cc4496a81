// Contract suites drive real operations against a simulator: seconds, not milliseconds.
jest.setTimeout(30_000);
