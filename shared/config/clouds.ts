// Sovereign-cloud presets for POWERBI_CLOUD. Each value can still be overridden on its own.

export const CLOUD_NAMES = ['Public', 'USGov', 'USGovHigh', 'USGovDoD', 'China'] as const;
export type CloudName = (typeof CLOUD_NAMES)[number];

export interface CloudEndpoints {
  authorityHost: string;
  powerBiApiUrl: string;
  powerBiScope: string;
}

function cloud(login: string, api: string, scopeHost: string): CloudEndpoints {
  return { authorityHost: `https://${login}`, powerBiApiUrl: `https://${api}`, powerBiScope: `https://${scopeHost}/powerbi/api/.default` };
}

export const CLOUDS: Record<CloudName, CloudEndpoints> = {
  Public: cloud('login.microsoftonline.com', 'api.powerbi.com', 'analysis.windows.net'),
  USGov: cloud('login.microsoftonline.com', 'api.powerbigov.us', 'analysis.usgovcloudapi.net'),
  USGovHigh: cloud('login.microsoftonline.us', 'api.high.powerbigov.us', 'high.analysis.usgovcloudapi.net'),
  USGovDoD: cloud('login.microsoftonline.us', 'api.mil.powerbigov.us', 'mil.analysis.usgovcloudapi.net'),
  China: cloud('login.chinacloudapi.cn', 'api.powerbi.cn', 'analysis.chinacloudapi.cn'),
};
