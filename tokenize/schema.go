package tokenize

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"

	"github.com/pprl/pprl/internal/exitcode"
)

// Schema is a loaded linkage spec of either kind: a native Spec, or a
// clkhash v1/v2/v3 schema used unchanged (which gives clkhash's CLKs and no
// deterministic tokens).
type Schema struct {
	// Native is the native spec, or nil for a clkhash schema.
	Native *Spec
	// Clkhash is the clkhash schema, or nil for a native spec.
	Clkhash *ClkhashSchema

	fingerprint string
}

// maxSchemaBytes bounds a schema or mapping file: they are written by
// people.
const maxSchemaBytes = 4 << 20

// LoadSchema reads a schema file, native or clkhash (detected by its keys:
// "pprl_schema_version" for native; "version" with "clkConfig" or
// "features" for clkhash).
func LoadSchema(path string) (*Schema, error) {
	data, err := readConfigFile(path, "schema")
	if err != nil {
		return nil, err
	}
	s, err := ParseSchema(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// ParseSchema parses a native or clkhash schema from JSON.
func ParseSchema(data []byte) (*Schema, error) {
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(data, &keys); err != nil {
		return nil, exitcode.AsInput(fmt.Errorf("schema is not a JSON object: %w", jsonError(data, err)))
	}
	_, native := keys["pprl_schema_version"]
	_, version := keys["version"]
	_, clkConfig := keys["clkConfig"]
	_, features := keys["features"]
	switch {
	case native:
		spec, err := ParseSpec(data)
		if err != nil {
			return nil, err
		}
		return &Schema{Native: spec, fingerprint: spec.Fingerprint()}, nil
	case version && (clkConfig || features):
		cs, err := ParseClkhashSchema(data)
		if err != nil {
			return nil, exitcode.AsInput(fmt.Errorf("clkhash schema: %w", err))
		}
		canon, err := canonicalJSON(data)
		if err != nil {
			return nil, exitcode.AsInput(err)
		}
		sum := sha256Hex(append([]byte("clkhash\n"), canon...))
		return &Schema{Clkhash: cs, fingerprint: sum}, nil
	default:
		return nil, exitcode.Inputf(`not a linkage spec: expected "pprl_schema_version" (a pprl spec; see 'pprl schema init') or "version" and "clkConfig" (a clkhash schema)`)
	}
}

// Fingerprint returns the schema's fingerprint (64 hex digits). For a native
// spec it is Spec.Fingerprint; for a clkhash schema, the SHA-256 of
// "clkhash\n" and the schema's JSON with sorted keys and no white space.
func (s *Schema) Fingerprint() string { return s.fingerprint }

// Encoding returns "native" or "clkhash", as the manifest records it.
func (s *Schema) Encoding() string {
	if s.Clkhash != nil {
		return "clkhash"
	}
	return "native"
}

// readConfigFile reads a small JSON file, with input errors for a missing,
// empty or huge one.
func readConfigFile(path, what string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, exitcode.Inputf("%s file %s does not exist", what, path)
		}
		return nil, exitcode.AsInput(fmt.Errorf("%s file: %w", what, err))
	}
	defer f.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(io.LimitReader(f, maxSchemaBytes+1)); err != nil {
		return nil, exitcode.AsInput(fmt.Errorf("%s file %s: %w", what, path, err))
	}
	if buf.Len() > maxSchemaBytes {
		return nil, exitcode.Inputf("%s file %s is larger than %d bytes", what, path, maxSchemaBytes)
	}
	if len(bytes.TrimSpace(buf.Bytes())) == 0 {
		return nil, exitcode.Inputf("%s file %s is empty", what, path)
	}
	return buf.Bytes(), nil
}

// LoadMapping reads an input mapping file.
func LoadMapping(path string) (*Mapping, error) {
	data, err := readConfigFile(path, "input mapping")
	if err != nil {
		return nil, err
	}
	m, err := ParseMapping(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// plan is a schema bound to one extract: what the token file holds and how
// to make a worker that encodes batches.
type plan struct {
	clkBits    int
	rules      []string
	ruleFields [][]string // fields each rule reads (manifest rule_fields)
	family     []string   // rules marked family (manifest family_rules)
	unordered  []string   // rules marked unordered (manifest unordered_rules)
	clkFields  []string   // fields the CLK reads (manifest clk_fields)
	attributes []string
	idCol      int // -1: row numbers
	idColName  string
	newWorker  func() (batchEncoder, error)
}

// batchEncoder encodes the rows of a job. Each worker has its own.
type batchEncoder interface {
	encodeBatch(j *job) error
}

// plan binds the schema to an extract's header. For a native spec the
// mapping (or DefaultMapping) is validated and bound, and standIns are
// dates of birth read as missing or as their year (datespike.go; nil for
// none); for clkhash the header
// must list the schema's features in order.
func (s *Schema) plan(m *Mapping, idColumn string, header []string, secret []byte, created time.Time, standIns *standInDates) (*plan, error) {
	if s.Clkhash != nil {
		if m != nil {
			return nil, exitcode.Inputf("a clkhash schema maps columns by position: drop --mapping (use --id-column for the record ID)")
		}
		return clkhashPlan(s.Clkhash, idColumn, header, secret)
	}
	return nativePlan(s.Native, m, idColumn, header, secret, created, standIns)
}

// Bind checks mapping m (nil: the default mapping) and an extract's header
// against the schema without encoding anything, as `pprl schema check`
// does. It returns the bound columns of a native spec (nil for clkhash).
func (s *Schema) Bind(m *Mapping, idColumn string, header []string) (*Bound, error) {
	if s.Clkhash != nil {
		if m != nil {
			return nil, exitcode.Inputf("a clkhash schema maps columns by position: drop --mapping (use --id-column for the record ID)")
		}
		_, err := clkhashColumns(s.Clkhash, idColumn, header)
		return nil, err
	}
	if m == nil {
		m = DefaultMapping(s.Native, header, idColumn)
		if err := checkDefaultMapping(s.Native, m, header); err != nil {
			return nil, err
		}
	} else if err := m.Validate(s.Native); err != nil {
		return nil, err
	}
	return m.Bind(s.Native, header)
}
