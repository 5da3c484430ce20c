import { it } from 'vitest';
import path from 'node:path';
import { createTestDatabase } from '../support/db.js';
import { applyDrizzleFolder, audit, scaffold, EXAMPLE_APP } from './support.js';

it('explore', async () => {
  const db = await createTestDatabase();
  try {
    await applyDrizzleFolder(db, path.join(EXAMPLE_APP, 'drizzle'));
    const a = await audit(db, { appRole: db.role('app_user'), globalTables: ['plans'] });
    console.log(a.findings.map((f) => `${f.severity} ${f.rule} ${f.object.schema}.${f.object.table ?? ''}.${f.object.name}`).join('\n'));
    const s = await scaffold(a);
    console.log(s.sql);
    await db.client.query(s.sql);
    const b = await audit(db, { appRole: db.role('app_user'), globalTables: ['plans'] });
    console.log(b.findings.map((f) => `${f.severity} ${f.rule} ${f.object.schema}.${f.object.table ?? ''}.${f.object.name} ${f.message}`).join('\n'));
    await db.client.query(s.sql);
  } finally {
    await db.close();
  }
});
