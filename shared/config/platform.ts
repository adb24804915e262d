import type { Environment } from './config';

// Where the broker runs, from the variables hosting platforms set. Presence counts, not value:
// a platform may set a variable to an empty or blank string.

/** App Service and every Functions plan on it (Consumption, Flex, Premium, Dedicated). */
const APP_SERVICE = ['WEBSITE_INSTANCE_ID', 'WEBSITE_SITE_NAME', 'WEBSITE_OWNER_NAME', 'WEBSITE_SKU', 'CONTAINER_NAME'];

/** Any hosting platform: App Service, the Functions runtime anywhere, Container Apps, Kubernetes, a managed identity. */
const PLATFORM = [...APP_SERVICE, 'FUNCTIONS_EXTENSION_VERSION', 'CONTAINER_APP_NAME', 'CONTAINER_APP_ENV_DNS_SUFFIX', 'KUBERNETES_SERVICE_HOST', 'IDENTITY_ENDPOINT', 'MSI_ENDPOINT'];

export function detectsAppService(env: Environment): boolean {
  return APP_SERVICE.some((name) => env[name] !== undefined);
}

/** The platform variables that are set. */
export function platformVariables(env: Environment): string[] {
  return PLATFORM.filter((name) => env[name] !== undefined);
}
