import { PGlite } from '@electric-sql/pglite';
import { createPgConfig } from '@electric-sql/pglite/node-postgres';
import pg from 'pg';
let t=Date.now();
const db = new PGlite();
await db.waitReady; console.log('ready', Date.now()-t); t=Date.now();
const c = new pg.Client(createPgConfig(db));
await c.connect();
await c.query(`create role app_user; create table t(id int, org text); alter table t enable row level security; 
create policy p on t using (org = current_setting('app.org', true)); grant select,insert on t to app_user; insert into t values (1,'a'),(2,'b');`);
await c.query('begin'); await c.query(`select set_config('app.org','a',true)`); await c.query('set local role app_user');
console.log((await c.query('select * from t')).rows, (await c.query('select current_user, version()')).rows);
await c.query('rollback');
console.log((await c.query(`select current_setting('app.org', true) as s`)).rows);
const r = await c.query('select $1::int as x', [5]); console.log(r.rows);
try { await c.query('select 1/0'); } catch(e) { console.log('err', e.code, e.message); }
const c2 = await db.clone(); console.log('clone', Date.now()-t);
await c.end(); await db.close(); console.log('done', Date.now()-t);
