import { app } from '@azure/functions';
import { processBroker } from '../shared/app/processBroker';
import { createEmbedDashboardHandler, createEmbedTileHandler } from './http/embedDashboardHandler';

processBroker();
app.http('embedDashboard', { methods: ['GET'], authLevel: 'anonymous', route: 'embed/dashboards/{key}', handler: createEmbedDashboardHandler(processBroker) });
app.http('embedTile', { methods: ['GET'], authLevel: 'anonymous', route: 'embed/dashboards/{key}/tiles/{tileId}', handler: createEmbedTileHandler(processBroker) });
