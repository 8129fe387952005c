package planner

import (
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
)

// parseNestedType maps ARRAY<T>, MAP<K, V> and ROW<name T, ...> (also ROW(name T, ...)),
// as parser.ColumnDef.Type spells them, to arrow.ListOf, arrow.MapOf and arrow.StructOf,
// recursively. ok is false when name is not a nested type. ROW field names keep their case
// and may be quoted with backquotes or double quotes (a doubled quote escapes one). A nested NOT NULL is
// accepted; elements and fields stay nullable in the Arrow type.
func parseNestedType(name string) (t arrow.DataType, ok bool, err error) {
	s := strings.TrimSpace(name)
	up := strings.ToUpper(s)
	for _, base := range []string{"ARRAY", "MAP", "ROW"} {
		if !strings.HasPrefix(up, base) {
			continue
		}
		rest := strings.TrimSpace(s[len(base):])
		if rest == "" || rest[0] != '<' && !(base == "ROW" && rest[0] == '(') {
			continue
		}
		closer := byte('>')
		if rest[0] == '(' {
			closer = ')'
		}
		if rest[len(rest)-1] != closer {
			return nil, true, fmt.Errorf("bad type %s: expected %c at the end", name, closer)
		}
		parts, err := splitTopLevel(rest[1 : len(rest)-1])
		if err != nil {
			return nil, true, fmt.Errorf("bad type %s: %v", name, err)
		}
		switch base {
		case "ARRAY":
			if len(parts) != 1 {
				return nil, true, fmt.Errorf("bad type %s: ARRAY takes one element type, ARRAY<T>", name)
			}
			elem, err := parseInnerType(parts[0])
			if err != nil {
				return nil, true, err
			}
			return arrow.ListOf(elem), true, nil
		case "MAP":
			if len(parts) != 2 {
				return nil, true, fmt.Errorf("bad type %s: MAP takes a key and a value type, MAP<K, V>", name)
			}
			k, err := parseInnerType(parts[0])
			if err != nil {
				return nil, true, err
			}
			v, err := parseInnerType(parts[1])
			if err != nil {
				return nil, true, err
			}
			return arrow.MapOf(k, v), true, nil
		default: // ROW
			if len(parts) == 1 && strings.TrimSpace(parts[0]) == "" {
				return nil, true, fmt.Errorf("bad type %s: ROW needs at least one field, ROW<name T, ...>", name)
			}
			fields := make([]arrow.Field, 0, len(parts))
			seen := map[string]bool{}
			for _, p := range parts {
				fname, ftype, err := splitFieldName(p)
				if err != nil {
					return nil, true, fmt.Errorf("bad type %s: %v", name, err)
				}
				if seen[strings.ToLower(fname)] {
					return nil, true, fmt.Errorf("bad type %s: field %s is declared twice", name, fname)
				}
				seen[strings.ToLower(fname)] = true
				ft, err := parseInnerType(ftype)
				if err != nil {
					return nil, true, err
				}
				fields = append(fields, arrow.Field{Name: fname, Type: ft, Nullable: true})
			}
			return arrow.StructOf(fields...), true, nil
		}
	}
	return nil, false, nil
}

// parseInnerType parses a type inside angle brackets, where NOT NULL or NULL may follow.
func parseInnerType(s string) (arrow.DataType, error) {
	s = strings.TrimSpace(s)
	up := strings.ToUpper(s)
	switch {
	case strings.HasSuffix(up, " NOT NULL"):
		s = strings.TrimSpace(s[:len(s)-len(" NOT NULL")])
	case strings.HasSuffix(up, " NULL"):
		s = strings.TrimSpace(s[:len(s)-len(" NULL")])
	}
	if s == "" {
		return nil, fmt.Errorf("expected a type inside < >")
	}
	return ParseType(s)
}

// splitTopLevel splits s on the commas outside <>, () and quotes.
func splitTopLevel(s string) ([]string, error) {
	var parts []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch ch := s[i]; ch {
		case '`', '"':
			j := i + 1
			for ; j < len(s); j++ {
				if s[j] == ch {
					if j+1 < len(s) && s[j+1] == ch { // doubled quote: an escaped one
						j++
						continue
					}
					break
				}
			}
			if j >= len(s) {
				return nil, fmt.Errorf("unterminated %c", ch)
			}
			i = j
		case '<', '(':
			depth++
		case '>', ')':
			depth--
			if depth < 0 {
				return nil, fmt.Errorf("unbalanced %c", ch)
			}
		case ',':
			if depth == 0 {
				parts = append(parts, s[start:i])
				start = i + 1
			}
		}
	}
	if depth != 0 {
		return nil, fmt.Errorf("unbalanced brackets")
	}
	return append(parts, s[start:]), nil
}

// splitFieldName splits a ROW field `name T` into its name (unquoted) and type.
func splitFieldName(p string) (name, typ string, err error) {
	p = strings.TrimSpace(p)
	if p == "" {
		return "", "", fmt.Errorf("empty ROW field")
	}
	if q := p[0]; q == '`' || q == '"' {
		var b strings.Builder
		i := 1
		for ; i < len(p); i++ {
			if p[i] == q {
				if i+1 < len(p) && p[i+1] == q {
					b.WriteByte(q)
					i++
					continue
				}
				break
			}
			b.WriteByte(p[i])
		}
		if i >= len(p) {
			return "", "", fmt.Errorf("unterminated %c in ROW field %s", q, p)
		}
		name, typ = b.String(), strings.TrimSpace(p[i+1:])
	} else {
		i := strings.IndexAny(p, " \t\n")
		if i < 0 {
			return "", "", fmt.Errorf("ROW field %s needs a name and a type", p)
		}
		name, typ = p[:i], strings.TrimSpace(p[i+1:])
	}
	if name == "" {
		return "", "", fmt.Errorf("ROW field with an empty name")
	}
	if typ == "" {
		return "", "", fmt.Errorf("ROW field %s needs a type", name)
	}
	return name, typ, nil
}
