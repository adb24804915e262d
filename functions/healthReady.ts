import { app } from '@azure/functions';
import { processBroker } from '../shared/app/processBroker';
import { createReadinessHandler } from './http/readinessHandler';

processBroker();
app.http('healthReady', { methods: ['GET'], authLevel: 'anonymous', route: 'health/ready', handler: createReadinessHandler(processBroker) });
