// check.mjs FILE EXPECT.json: open a pprl token file with DuckDB (an
// analyst's client) and check its column types, widths, nulls, row count and
// manifest against what writetokens recorded. Exits non-zero on any mismatch.
import { readFileSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';

const [file, expectPath] = process.argv.slice(2);
if (!file || !expectPath) {
  console.error('usage: node check.mjs FILE EXPECT.json');
  process.exit(2);
}
const exp = JSON.parse(readFileSync(expectPath, 'utf8'));
const failures = [];
const check = (ok, what) => {
  if (!ok) failures.push(what);
};

const instance = await DuckDBInstance.create(':memory:');
const con = await instance.connect();
const rows = async (sql) => (await con.runAndReadAll(sql)).getRowObjectsJson();
const src = `read_parquet('${file.replaceAll("'", "''")}')`;

// Types as DuckDB sees them.
const types = Object.fromEntries((await rows(`DESCRIBE SELECT * FROM ${src}`)).map((r) => [r.column_name, r.column_type]));
const wantCols = ['record_id', 'clk', ...exp.rules.map((r) => 'tok_' + r), ...exp.attributes.map((a) => 'attr_' + a)];
check(JSON.stringify(Object.keys(types)) === JSON.stringify(wantCols), `columns ${Object.keys(types)} != ${wantCols}`);
check(types.record_id === 'VARCHAR', `record_id is ${types.record_id}, want VARCHAR`);
check(types.clk === 'BLOB', `clk is ${types.clk}, want BLOB`);
for (const r of exp.rules) check(types['tok_' + r] === 'BLOB', `tok_${r} is ${types['tok_' + r]}, want BLOB`);
for (const a of exp.attributes) check(types['attr_' + a] === 'VARCHAR', `attr_${a} is ${types['attr_' + a]}, want VARCHAR`);

// Row count, widths and nulls.
const tokAgg = exp.rules
  .map((r) => `count(*) FILTER (WHERE tok_${r} IS NULL) AS null_tok_${r},
     coalesce(min(octet_length(tok_${r})), ${exp.token_bytes}) AS min_tok_${r}, coalesce(max(octet_length(tok_${r})), ${exp.token_bytes}) AS max_tok_${r}`)
  .join(',');
const attrAgg = exp.attributes.map((a) => `count(*) FILTER (WHERE attr_${a} IS NULL) AS null_attr_${a}`).join(',');
const [agg] = await rows(`SELECT count(*) AS n, count(DISTINCT record_id) AS ids, count(*) FILTER (WHERE record_id IS NULL) AS null_ids,
  count(*) FILTER (WHERE clk IS NULL) AS null_clk, min(octet_length(clk)) AS min_clk, max(octet_length(clk)) AS max_clk,
  ${tokAgg}, ${attrAgg} FROM ${src}`);
const num = (v) => Number(v);
check(num(agg.n) === exp.rows, `row count ${agg.n}, want ${exp.rows}`);
check(num(agg.ids) === exp.rows, `distinct record_id ${agg.ids}, want ${exp.rows}`);
check(num(agg.null_ids) === 0 && num(agg.null_clk) === 0, 'record_id or clk has nulls');
check(num(agg.min_clk) === exp.clk_bytes && num(agg.max_clk) === exp.clk_bytes, `clk length ${agg.min_clk}..${agg.max_clk}, want ${exp.clk_bytes} (clk_bits/8)`);
for (const r of exp.rules) {
  check(num(agg['null_tok_' + r]) === (exp.null_tokens['tok_' + r] ?? 0), `tok_${r}: ${agg['null_tok_' + r]} nulls, want ${exp.null_tokens['tok_' + r] ?? 0}`);
  check(num(agg['min_tok_' + r]) === exp.token_bytes && num(agg['max_tok_' + r]) === exp.token_bytes, `tok_${r} length not ${exp.token_bytes}`);
}
for (const a of exp.attributes) {
  check(num(agg['null_attr_' + a]) === (exp.null_attrs['attr_' + a] ?? 0), `attr_${a}: ${agg['null_attr_' + a]} nulls, want ${exp.null_attrs['attr_' + a] ?? 0}`);
}

// Byte order: the first record's bytes as written.
const [first] = await rows(`SELECT record_id, lower(hex(clk)) AS clk, lower(hex(tok_t1)) AS t1 FROM ${src} LIMIT 1`);
check(first.record_id === exp.first_id, `first record_id ${first.record_id}, want ${exp.first_id}`);
check(first.clk === exp.first_clk_hex, 'first clk bytes differ from what was written');
check(first.t1 === exp.first_tok_t1_hex, 'first tok_t1 bytes differ from what was written');

// The manifest in the footer key-value metadata.
const kv = await rows(`SELECT decode(key) AS k, decode(value) AS v FROM parquet_kv_metadata('${file.replaceAll("'", "''")}')`);
const man = kv.find((r) => r.k === 'pprl.manifest');
check(man !== undefined, 'no pprl.manifest in the footer');
if (man) {
  const m = JSON.parse(man.v);
  check(m.format === 'pprl-tokens' && m.format_version === 1, `manifest format ${m.format} v${m.format_version}`);
  check(m.rows.encoded === exp.rows, `manifest rows.encoded ${m.rows.encoded}, want ${exp.rows}`);
  check(m.clk_bits === exp.clk_bytes * 8, `manifest clk_bits ${m.clk_bits}`);
}

if (failures.length > 0) {
  console.error(`interop: DuckDB read ${file} differently than pprl wrote it:`);
  for (const f of failures) console.error('  - ' + f);
  process.exit(1);
}
console.log(`interop: DuckDB read ${file}: ${agg.n} rows; record_id VARCHAR, clk BLOB(${exp.clk_bytes}), ${exp.rules.length} token columns BLOB(${exp.token_bytes}) with the expected NULLs, attributes VARCHAR, manifest in footer`);
