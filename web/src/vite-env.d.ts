/// <reference types="vite/client" />

interface ImportMetaEnv {
  readonly VITE_API_BASE_URL?: string;
  readonly VITE_CLIENT_ID?: string;
  readonly VITE_AUTHORITY?: string;
  readonly VITE_KNOWN_AUTHORITIES?: string;
  readonly VITE_PROTOCOL_MODE?: string;
  readonly VITE_API_SCOPE?: string;
  readonly VITE_REPORTS?: string;
}
