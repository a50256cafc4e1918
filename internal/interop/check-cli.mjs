// check-cli.mjs: open the files a real pprl run wrote with DuckDB (an
// analyst's client) and check types, widths and row counts.
//   node check-cli.mjs tokens FILE...          token files (unsealed)
//   node check-cli.mjs match OUTDIR FILE...    links/entities from pprl match over FILE...
//   node check-cli.mjs csv2parquet CSV PARQUET  write an extract as DuckDB's Parquet
import { DuckDBInstance } from '@duckdb/node-api';

const [mode, ...args] = process.argv.slice(2);
const failures = [];
const check = (ok, what) => {
  if (!ok) failures.push(what);
};
const instance = await DuckDBInstance.create(':memory:');
const con = await instance.connect();
const rows = async (sql) => (await con.runAndReadAll(sql)).getRowObjectsJson();
const lit = (s) => `'${s.replaceAll("'", "''")}'`;
const types = async (file) =>
  Object.fromEntries((await rows(`DESCRIBE SELECT * FROM read_parquet(${lit(file)})`)).map((r) => [r.column_name, r.column_type]));
const manifest = async (file) => {
  const kv = await rows(`SELECT decode(key) AS k, decode(value) AS v FROM parquet_kv_metadata(${lit(file)})`);
  const m = kv.find((r) => r.k === 'pprl.manifest');
  check(m !== undefined, `${file}: no pprl.manifest`);
  return m ? JSON.parse(m.v) : null;
};

async function checkTokens(file) {
  const m = await manifest(file);
  if (!m) return 0;
  const t = await types(file);
  const want = { record_id: 'VARCHAR', clk: 'BLOB' };
  for (const r of m.rules) want['tok_' + r] = 'BLOB';
  for (const a of m.attributes) want['attr_' + a] = 'VARCHAR';
  check(JSON.stringify(t) === JSON.stringify(want), `${file}: columns ${JSON.stringify(t)}, want ${JSON.stringify(want)}`);
  // Files made before token_bytes was recorded hold whole 32-byte HMACs.
  const width = m.token_bytes ?? 32;
  const toks = m.rules.map((r) => `coalesce(bool_and(octet_length(tok_${r}) = ${width}), true) AS ok_${r}`).join(', ');
  const [a] = await rows(`SELECT count(*) AS n, count(DISTINCT record_id) AS ids, min(octet_length(clk)) AS minc,
    max(octet_length(clk)) AS maxc${toks ? ', ' + toks : ''} FROM read_parquet(${lit(file)})`);
  const n = Number(a.n);
  check(n === m.rows.encoded, `${file}: ${n} rows, manifest says ${m.rows.encoded} encoded`);
  check(Number(a.ids) === n, `${file}: record_id not unique`);
  check(n === 0 || (Number(a.minc) === m.clk_bits / 8 && Number(a.maxc) === m.clk_bits / 8), `${file}: clk length ${a.minc}..${a.maxc}, want ${m.clk_bits / 8}`);
  for (const r of m.rules) check(a['ok_' + r] === true, `${file}: tok_${r} not ${width} bytes`);
  return n;
}

if (mode === 'csv2parquet') {
  // An extract as another tool writes it: DuckDB's Parquet, every column text.
  const [src, dst] = args;
  await con.run(`COPY (SELECT * FROM read_csv(${lit(src)}, header = true, all_varchar = true)) TO ${lit(dst)} (FORMAT parquet)`);
  console.log(`interop: DuckDB wrote ${dst} from ${src}`);
  process.exit(0);
} else if (mode === 'tokens') {
  for (const f of args) await checkTokens(f);
} else if (mode === 'match') {
  const [dir, ...inputs] = args;
  let total = 0;
  for (const f of inputs) total += await checkTokens(f);
  const links = `${dir}/links.parquet`;
  const entities = `${dir}/entities.parquet`;
  const lt = await types(links);
  const wantLinks = { dataset_a: 'VARCHAR', record_id_a: 'VARCHAR', dataset_b: 'VARCHAR', record_id_b: 'VARCHAR', score: 'DOUBLE', dice: 'DOUBLE', rules: 'VARCHAR', evidence: 'VARCHAR' };
  check(JSON.stringify(lt) === JSON.stringify(wantLinks), `links.parquet columns ${JSON.stringify(lt)}, want ${JSON.stringify(wantLinks)}`);
  const et = await types(entities);
  const wantEnt = { entity_id: 'VARCHAR', dataset: 'VARCHAR', record_id: 'VARCHAR', opted_out: 'BOOLEAN' };
  check(JSON.stringify(et) === JSON.stringify(wantEnt), `entities.parquet columns ${JSON.stringify(et)}, want ${JSON.stringify(wantEnt)}`);
  const [e] = await rows(`SELECT count(*) AS n, count(DISTINCT (dataset, record_id)) AS recs FROM read_parquet(${lit(entities)})`);
  check(Number(e.n) === total && Number(e.recs) === total, `entities.parquet has ${e.n} rows (${e.recs} distinct records), want every one of the ${total} input records once`);
  const [l] = await rows(`SELECT count(*) AS n FROM read_parquet(${lit(links)})`);
  check(Number(l.n) > 0, 'links.parquet is empty');
} else {
  console.error('usage: node check-cli.mjs tokens FILE... | match OUTDIR FILE...');
  process.exit(2);
}
if (failures.length > 0) {
  console.error(`interop: DuckDB read pprl's ${mode} output differently than expected:`);
  for (const f of failures) console.error('  - ' + f);
  process.exit(1);
}
console.log(`interop: DuckDB read pprl ${mode} output (${args.length} files) with the expected types, widths and row counts`);
