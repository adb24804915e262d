import { join } from 'node:path';
import { staleModules } from '../../../dev/codegen/schemaValidators';

// The validators the app runs are generated from its schemas ahead of time. A schema changed
// without `npm run codegen` would leave the app checking the old one: this fails first.
test('the generated validators in shared/generated match the schemas (run npm run codegen)', async () => {
  const stale = await staleModules(join(__dirname, '..', '..', '..'));
  expect(stale.map((m) => m.path)).toEqual([]);
});
