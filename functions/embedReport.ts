import { app } from '@azure/functions';
import { processBroker } from '../shared/app/processBroker';
import { createEmbedReportHandler } from './http/embedReportHandler';

processBroker();
app.http('embedReport', { methods: ['GET'], authLevel: 'anonymous', route: 'embed/reports/{key}', handler: createEmbedReportHandler(processBroker) });
