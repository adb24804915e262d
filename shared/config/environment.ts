import { loadConfig, type BrokerConfig } from './config';

// The one place that reads process.env (app settings in Azure, local.settings.json locally).
export function loadConfigFromEnvironment(): BrokerConfig {
  return loadConfig(process.env);
}
