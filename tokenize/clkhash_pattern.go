package tokenize

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// Python's str patterns and Go's RE2 differ in a few places that matter for
// clkhash's "pattern" formats (matched as re.compile("(?:p)\Z").match):
// \d, \w and \s are Unicode-aware in Python and ASCII in Go; \Z is Go's \z;
// {,n} is {0,n}. compilePythonPattern rewrites those, and refuses what it
// cannot express exactly (\b, \B, negated classes inside brackets,
// backreferences and lookarounds, which RE2 lacks) instead of matching
// differently.

const (
	pyWordClass  = `\p{L}\p{N}_`
	pySpaceClass = `\t\n\v\f\r\x{1c}-\x{1f} \x{85}\p{Z}`
)

func compilePythonPattern(p string) (*regexp.Regexp, error) {
	var b strings.Builder
	inClass := false
	classStart := false
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '\\':
			if i+1 >= len(p) {
				return nil, errors.New("pattern ends with a lone backslash")
			}
			i++
			e := p[i]
			switch e {
			case 'd':
				b.WriteString(`\p{Nd}`)
			case 'D':
				if inClass {
					return nil, errors.New(`\D inside [...] cannot be translated exactly; write the class out`)
				}
				b.WriteString(`\P{Nd}`)
			case 'w':
				if inClass {
					b.WriteString(pyWordClass)
				} else {
					b.WriteString("[" + pyWordClass + "]")
				}
			case 'W':
				if inClass {
					return nil, errors.New(`\W inside [...] cannot be translated exactly; write the class out`)
				}
				b.WriteString("[^" + pyWordClass + "]")
			case 's':
				if inClass {
					b.WriteString(pySpaceClass)
				} else {
					b.WriteString("[" + pySpaceClass + "]")
				}
			case 'S':
				if inClass {
					return nil, errors.New(`\S inside [...] cannot be translated exactly; write the class out`)
				}
				b.WriteString("[^" + pySpaceClass + "]")
			case 'b', 'B':
				if inClass && e == 'b' {
					b.WriteString(`\x08`) // backspace inside a class
					break
				}
				return nil, fmt.Errorf(`\%c (word boundary) is not supported: Python's is Unicode-aware and Go's is not`, e)
			case 'Z':
				b.WriteString(`\z`)
			case 'A', 'z':
				b.WriteByte('\\')
				b.WriteByte(e)
			default:
				if e >= '1' && e <= '9' && !inClass {
					return nil, errors.New("backreferences are not supported")
				}
				b.WriteByte('\\')
				b.WriteByte(e)
			}
			classStart = false
			continue
		case inClass:
			if c == ']' && !classStart {
				inClass = false
			}
			if c == '^' && classStart {
				b.WriteByte(c)
				continue // ']' right after '[^' is still a literal
			}
			if c == '[' && i+1 < len(p) && p[i+1] == ':' {
				// Python has no POSIX classes: "[:" is literal there.
				b.WriteString(`\[`)
				classStart = false
				continue
			}
			classStart = false
			b.WriteByte(c)
		case c == '[':
			inClass, classStart = true, true
			b.WriteByte(c)
		case c == '{' && i+1 < len(p) && p[i+1] == ',':
			// Python's {,n} is {0,n}; RE2 would read it literally.
			j := i + 2
			for j < len(p) && p[j] >= '0' && p[j] <= '9' {
				j++
			}
			if j > i+2 && j < len(p) && p[j] == '}' {
				b.WriteString("{0,")
				i++ // skip ','
				continue
			}
			b.WriteByte(c)
		case c == '(' && strings.HasPrefix(p[i:], "(?P="):
			return nil, errors.New("backreferences are not supported")
		case c == '(' && (strings.HasPrefix(p[i:], "(?=") || strings.HasPrefix(p[i:], "(?!") ||
			strings.HasPrefix(p[i:], "(?<=") || strings.HasPrefix(p[i:], "(?<!")):
			return nil, errors.New("lookaround assertions are not supported")
		default:
			b.WriteByte(c)
		}
	}
	if inClass {
		return nil, errors.New("unterminated [...] class")
	}
	re, err := regexp.Compile(`^(?:` + b.String() + `)\z`)
	if err != nil {
		return nil, fmt.Errorf("cannot be used: %v", err)
	}
	return re, nil
}
