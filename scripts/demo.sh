#!/usr/bin/env bash
# make demo: the whole pprl workflow on built-in synthetic data.
#   custodian → agencies → linkage unit → researchers
# Usage: scripts/demo.sh BIN OUTDIR
set -euo pipefail
PPRL=${1:-bin/pprl}
OUT=${2:-demo-out}
PPRL=$(cd "$(dirname "$PPRL")" && pwd)/$(basename "$PPRL")
PEOPLE=${PEOPLE:-20000}

rm -rf "$OUT"
mkdir -p "$OUT"
cd "$OUT"
step() { printf '\n== %s\n' "$*"; }

step "1. Synthetic extracts for four agencies ($PEOPLE people)"
"$PPRL" synth --people "$PEOPLE" --seed 1 -o extracts
ls extracts

step "2. Key custodian: project secret (given to agencies out of band)"
mkdir -p custodian agencies linkage-unit
"$PPRL" keygen secret -o custodian/project.key
"$PPRL" keygen fingerprint custodian/project.key

step "3. Linkage unit: its age key pair (post-quantum hybrid)"
"$PPRL" keygen unit -o linkage-unit/lu
cp linkage-unit/lu.pub agencies/lu.pub

step "4. Agencies: one shared linkage spec, each its own input mapping"
"$PPRL" schema init -o agencies/linkage.json
for a in social_work education health childrens_hearings; do
  "$PPRL" schema check --schema agencies/linkage.json --mapping "extracts/mapping/$a.json" "extracts/$a.csv"
  "$PPRL" tokenize --schema agencies/linkage.json --mapping "extracts/mapping/$a.json" \
    --secret custodian/project.key --dataset "$a" --seal-to agencies/lu.pub \
    "extracts/$a.csv" -o "agencies/$a.tokens.age"
done

step "5. Opt-outs: education holds a register of 20 families who objected to research use"
mkdir -p registers
head -n 21 extracts/education.csv > registers/optout.csv
"$PPRL" tokenize --schema agencies/linkage.json --mapping extracts/mapping/education.json \
  --secret custodian/project.key --dataset optout --seal-to agencies/lu.pub \
  registers/optout.csv -o registers/optout.tokens.age

step "6. Linkage unit: inspect and match the sealed token files, applying the register"
"$PPRL" inspect --key linkage-unit/lu.key agencies/social_work.tokens.age
"$PPRL" match --key linkage-unit/lu.key agencies/*.tokens.age --opt-out registers/optout.tokens.age \
  --log linkage-unit/ledger.jsonl -o linkage-unit/run1

step "7. Linkage quality against the synthetic truth"
"$PPRL" evaluate --truth extracts/truth.csv linkage-unit/run1

step "8. Privacy audit of a token file (attacker holds a name list from the same population)"
"$PPRL" audit --key linkage-unit/lu.key --forenames extracts/public/forenames.csv \
  --surnames extracts/public/surnames.csv agencies/social_work.tokens.age

step "9. Researchers: a cohort of care-experienced children with their education and health records"
mkdir -p agency-keys cohorts
for a in social_work education health childrens_hearings; do "$PPRL" keygen unit --classic -o "agency-keys/$a"; done
"$PPRL" cohort --entities linkage-unit/run1/entities.parquet --project demo-study \
  --include social_work --require education,health \
  --project-key linkage-unit/projects/demo-study.key \
  --recipient social_work=agency-keys/social_work.pub \
  --recipient education=agency-keys/education.pub \
  --recipient health=agency-keys/health.pub \
  --log linkage-unit/ledger.jsonl -o cohorts/demo-study

step "10. A pupil asks education which services hold information about them"
mkdir -p requests
{ head -n 1 extracts/education.csv; sed -n 101p extracts/education.csv; } > requests/request.csv
"$PPRL" tokenize --schema agencies/linkage.json --mapping extracts/mapping/education.json \
  --secret custodian/project.key --dataset request --seal-to agencies/lu.pub \
  requests/request.csv -o requests/request.tokens.age
"$PPRL" lookup --key linkage-unit/lu.key --run linkage-unit/run1 \
  --tokens agencies/social_work.tokens.age --tokens agencies/education.tokens.age \
  --tokens agencies/health.tokens.age --tokens agencies/childrens_hearings.tokens.age \
  --recipient social_work=agency-keys/social_work.pub --recipient education=agency-keys/education.pub \
  --recipient health=agency-keys/health.pub --recipient childrens_hearings=agency-keys/childrens_hearings.pub \
  --requester education --log linkage-unit/ledger.jsonl requests/request.tokens.age -o requests/answer

step "11. Every use is on the record: verify the linkage unit's ledger"
"$PPRL" log verify linkage-unit/ledger.jsonl

step "12. The linkage report for people to read"
"$PPRL" report linkage-unit/run1 --truth extracts/truth.csv -o linkage-unit/run1/report.html

step "Done. Outputs under $(pwd):"
echo "  token files:   agencies/*.tokens.age (sealed to the linkage unit)"
echo "  linkage:       linkage-unit/run1/{links.parquet,entities.parquet,summary.json}"
echo "  report:        linkage-unit/run1/report.html"
echo "  cohort:        cohorts/demo-study/"
echo "  lookup answer: requests/answer/ (each file sealed to its agency)"
echo "  ledger:        linkage-unit/ledger.jsonl"
