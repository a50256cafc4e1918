import { DuckDBInstance } from '@duckdb/node-api';
const inst = await DuckDBInstance.create(':memory:');
const con = await inst.connect();
const r = await con.runAndReadAll(process.argv[2]);
const rows = r.getRowObjects();
for (const row of rows) console.log(Object.values(row).map(v => typeof v === 'bigint' ? v.toString() : String(v)).join('\t'));
