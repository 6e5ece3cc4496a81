// e2e suites start gateways, simulators and processes, and wait for tasks.
jest.setTimeout(120_000);
