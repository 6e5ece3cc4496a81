import { normalizeEndpoint } from './imco.adapter';

describe('IMCO connection helpers', () => {
  it('should keep the version the endpoint carries and add /v3 where it has none (as the CLI does)', () => {
    expect(normalizeEndpoint('https://clients.example.com/v3/')).toBe('https://clients.example.com/v3');
    expect(normalizeEndpoint('https://clients.example.com:886/v2')).toBe(
      'https://clients.example.com:886/v2',
    );
    expect(normalizeEndpoint('https://clients.example.com')).toBe('https://clients.example.com/v3');
    expect(normalizeEndpoint('https://clients.example.com/')).toBe('https://clients.example.com/v3');
  });
});
