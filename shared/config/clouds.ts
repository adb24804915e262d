// Sovereign-cloud presets for POWERBI_CLOUD. Each value can still be overridden on its own.

export const CLOUD_NAMES = ['Public', 'USGov', 'USGovHigh', 'USGovDoD', 'China'] as const;
export type CloudName = (typeof CLOUD_NAMES)[number];

export interface CloudEndpoints {
  authorityHost: string;
  powerBiApiUrl: string;
  powerBiScope: string;
  /** Audience of a managed-identity token used as a federated credential in this cloud's Entra. */
  tokenExchangeAudience: string;
  /** Scope of a user's Azure SQL token (on-behalf-of), for SSO to DirectQuery sources. */
  azureSqlScope: string;
}

function cloud(login: string, api: string, scopeHost: string, exchange = 'api://AzureADTokenExchange', sqlHost = 'database.windows.net'): CloudEndpoints {
  return { authorityHost: `https://${login}`, powerBiApiUrl: `https://${api}`, powerBiScope: `https://${scopeHost}/powerbi/api/.default`, tokenExchangeAudience: exchange, azureSqlScope: `https://${sqlHost}/.default` };
}

export const CLOUDS: Record<CloudName, CloudEndpoints> = {
  Public: cloud('login.microsoftonline.com', 'api.powerbi.com', 'analysis.windows.net'),
  USGov: cloud('login.microsoftonline.com', 'api.powerbigov.us', 'analysis.usgovcloudapi.net'),
  // GCC signs in through the public cloud's Entra; GCC High and DoD through Azure Government's.
  USGovHigh: cloud('login.microsoftonline.us', 'api.high.powerbigov.us', 'high.analysis.usgovcloudapi.net', 'api://AzureADTokenExchangeUSGov', 'database.usgovcloudapi.net'),
  USGovDoD: cloud('login.microsoftonline.us', 'api.mil.powerbigov.us', 'mil.analysis.usgovcloudapi.net', 'api://AzureADTokenExchangeUSGov', 'database.usgovcloudapi.net'),
  China: cloud('login.chinacloudapi.cn', 'api.powerbi.cn', 'analysis.chinacloudapi.cn', 'api://AzureADTokenExchangeChina', 'database.chinacloudapi.cn'),
};
