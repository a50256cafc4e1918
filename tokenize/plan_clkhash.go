package tokenize

import (
	"errors"

	"github.com/pprl/pprl/internal/exitcode"
)

// TEMPORARY until tokenize/clkhash*.go lands: replaced by the real loader.
type ClkhashSchema struct{}

func ParseClkhashSchema(data []byte) (*ClkhashSchema, error) {
	return nil, errors.New("clkhash schemas are not supported yet")
}

func clkhashPlan(cs *ClkhashSchema, idColumn string, header []string, secret []byte) (*plan, error) {
	return nil, exitcode.Inputf("clkhash schemas are not supported yet")
}

func clkhashColumns(cs *ClkhashSchema, idColumn string, header []string) ([]int, error) {
	return nil, exitcode.Inputf("clkhash schemas are not supported yet")
}

func (cs *ClkhashSchema) Bits() int             { return 0 }
func (cs *ClkhashSchema) Identifiers() []string { return nil }
