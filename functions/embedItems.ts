import { app } from '@azure/functions';
import { processBroker } from '../shared/app/processBroker';
import { createEmbedItemsHandler } from './http/embedItemsHandler';

processBroker();
app.http('embedItems', { methods: ['POST'], authLevel: 'anonymous', route: 'embed', handler: createEmbedItemsHandler(processBroker) });
