import { resolve } from 'node:path';
import { checkProvisionSettings, formatProvisionCheck } from './checkProvisionSettings';

// azure.yaml `hooks.preprovision` (`node dist/dev/azd/preprovision.js`): azd runs it from the project root with the environment's
// values in process.env. A non-zero exit stops `azd up` before anything is provisioned.

const check = checkProvisionSettings(process.env, resolve(__dirname, '..', '..', '..'));
process.stdout.write(formatProvisionCheck(check));
process.exitCode = check.ok ? 0 : 1;
