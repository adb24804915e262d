/** Points @azure/identity at a managed-identity endpoint for one test file, and puts the environment back after. */
export function useIdentityEndpoint(): { set(endpoint: string, header: string): void; restore(): void } {
  const saved = { endpoint: process.env.IDENTITY_ENDPOINT, header: process.env.IDENTITY_HEADER };
  return {
    set(endpoint, header) {
      process.env.IDENTITY_ENDPOINT = endpoint;
      process.env.IDENTITY_HEADER = header;
    },
    restore() {
      if (saved.endpoint === undefined) delete process.env.IDENTITY_ENDPOINT;
      else process.env.IDENTITY_ENDPOINT = saved.endpoint;
      if (saved.header === undefined) delete process.env.IDENTITY_HEADER;
      else process.env.IDENTITY_HEADER = saved.header;
    },
  };
}
