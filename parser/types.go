package parser

import (
	"strconv"
	"strings"
)

// Type names are normalised so that the planner sees one spelling per type:
//
//	INTEGER -> INT            DEC, NUMERIC -> DECIMAL          BOOL -> BOOLEAN
//	DOUBLE PRECISION -> DOUBLE   REAL -> FLOAT (Flink's REAL)  FLOAT(p) -> FLOAT
//	DATETIME[(p)] -> TIMESTAMP[(p)]   TIMESTAMP(p) WITHOUT TIME ZONE -> TIMESTAMP(p)
//	TIMESTAMP(p) WITH LOCAL TIME ZONE -> TIMESTAMP_LTZ(p)
//	TEXT, TINYTEXT, MEDIUMTEXT, LONGTEXT -> STRING    BLOB, LONGBLOB, ... -> BYTES
//	CHARACTER VARYING(n), CHAR VARYING(n) -> VARCHAR(n)   CHARACTER(n) -> CHAR(n)
//	INT(11), BIGINT(20) (MySQL display widths) -> INT, BIGINT
//	T ARRAY -> ARRAY<T>     T MULTISET -> MULTISET<T>     ROW(a INT) -> ROW<a INT>
//
// Other names keep their upper-case spelling: STRING, BIGINT, SMALLINT, TINYINT, DOUBLE,
// FLOAT, DECIMAL(p,s), DATE, TIME(p), TIMESTAMP(p), TIMESTAMP_LTZ(p), BYTES, BINARY(n),
// VARBINARY(n), CHAR(n), VARCHAR(n), ARRAY<T>, MAP<K,V>, MULTISET<T>, ROW<name T, ...>.
// Nested NOT NULL is kept: ARRAY<INT NOT NULL>.

// typeNames maps each accepted base type word to its normalised name and how many
// numeric parameters it takes in brackets (maxParams; keepParams false drops them).
var typeNames = map[string]struct {
	name       string
	maxParams  int
	keepParams bool
}{
	"STRING": {"STRING", 0, false}, "BOOLEAN": {"BOOLEAN", 0, false}, "BOOL": {"BOOLEAN", 0, false},
	"TINYINT": {"TINYINT", 1, false}, "SMALLINT": {"SMALLINT", 1, false}, "INT": {"INT", 1, false},
	"INTEGER": {"INT", 1, false}, "BIGINT": {"BIGINT", 1, false}, "MEDIUMINT": {"INT", 1, false},
	"FLOAT": {"FLOAT", 2, false}, "REAL": {"FLOAT", 0, false}, "DOUBLE": {"DOUBLE", 2, false},
	"DECIMAL": {"DECIMAL", 2, true}, "DEC": {"DECIMAL", 2, true}, "NUMERIC": {"DECIMAL", 2, true},
	"DATE": {"DATE", 0, false}, "TIME": {"TIME", 1, true}, "TIMESTAMP": {"TIMESTAMP", 1, true},
	"DATETIME": {"TIMESTAMP", 1, true}, "TIMESTAMP_LTZ": {"TIMESTAMP_LTZ", 1, true},
	"BYTES": {"BYTES", 0, false}, "BINARY": {"BINARY", 1, true}, "VARBINARY": {"VARBINARY", 1, true},
	"CHAR": {"CHAR", 1, true}, "CHARACTER": {"CHAR", 1, true}, "VARCHAR": {"VARCHAR", 1, true},
	"TEXT": {"STRING", 1, false}, "TINYTEXT": {"STRING", 0, false}, "MEDIUMTEXT": {"STRING", 0, false},
	"LONGTEXT": {"STRING", 0, false}, "BLOB": {"BYTES", 1, false}, "TINYBLOB": {"BYTES", 0, false},
	"MEDIUMBLOB": {"BYTES", 0, false}, "LONGBLOB": {"BYTES", 0, false}, "JSON": {"STRING", 0, false},
	"NULL": {"NULL", 0, false},
	// MySQL CAST targets.
	"SIGNED": {"BIGINT", 0, false}, "UNSIGNED": {"BIGINT", 0, false},
}

const typeHint = "types are STRING, BOOLEAN, TINYINT, SMALLINT, INT, BIGINT, FLOAT, DOUBLE, DECIMAL(p,s), DATE, TIME, TIMESTAMP(p), TIMESTAMP_LTZ(p), BYTES, CHAR(n), VARCHAR(n), ARRAY<T>, MAP<K,V>, MULTISET<T>, ROW<name T, ...>"

// typeParser reads a data type from tokens.
type typeParser struct {
	scr  *script
	toks []token
	k    int
	end  int
}

// parseTypeTokens parses exactly the tokens [i, j) as a type.
func parseTypeTokens(scr *script, toks []token, i, j int) (string, *Error) {
	if i >= j {
		at := len(scr.text)
		if i < len(toks) {
			at = toks[i].start
		} else if len(toks) > 0 {
			at = toks[len(toks)-1].end
		}
		return "", scr.errorf(at, typeHint, "expected a type")
	}
	p := &typeParser{scr: scr, toks: toks, k: i, end: j}
	t, err := p.parse()
	if err != nil {
		return "", err
	}
	if p.k != j {
		return "", scr.errorf(toks[p.k].start, typeHint, sprintf("unexpected %q after type %s", scr.text[toks[p.k].start:toks[p.k].end], t))
	}
	return t, nil
}

func (p *typeParser) tok(off int) token {
	if p.k+off < p.end && p.k+off >= 0 {
		return p.toks[p.k+off]
	}
	return token{}
}

func (p *typeParser) at() int {
	if p.k < p.end {
		return p.toks[p.k].start
	}
	if p.end > 0 && p.end <= len(p.toks) {
		return p.toks[p.end-1].end
	}
	return len(p.scr.text)
}

func (p *typeParser) errorf(format string, args ...any) *Error {
	return p.scr.errorf(p.at(), typeHint, sprintf(format, args...))
}

// parse reads one type, including suffixes (ARRAY, MULTISET) and a nested NOT NULL
// when inside angle brackets is handled by the caller.
func (p *typeParser) parse() (string, *Error) {
	t, err := p.base()
	if err != nil {
		return "", err
	}
	for {
		switch {
		case p.tok(0).is("ARRAY"):
			p.k++
			t = "ARRAY<" + t + ">"
		case p.tok(0).is("MULTISET"):
			p.k++
			t = "MULTISET<" + t + ">"
		default:
			return t, nil
		}
	}
}

func (p *typeParser) base() (string, *Error) {
	t := p.tok(0)
	if t.kind != tkWord {
		return "", p.errorf("expected a type")
	}
	switch t.up {
	case "ARRAY", "MULTISET":
		p.k++
		elem, err := p.angled(1)
		if err != nil {
			return "", err
		}
		return t.up + "<" + elem[0] + ">", nil
	case "MAP":
		p.k++
		kv, err := p.angled(2)
		if err != nil {
			return "", err
		}
		return "MAP<" + kv[0] + "," + kv[1] + ">", nil
	case "ROW":
		p.k++
		return p.row()
	}
	info, ok := typeNames[t.up]
	if !ok {
		return "", p.errorf("unknown type %s", p.scr.text[t.start:t.end])
	}
	p.k++
	name := info.name
	// Two-word spellings.
	switch {
	case t.up == "DOUBLE" && p.tok(0).is("PRECISION"):
		p.k++
	case (t.up == "CHARACTER" || t.up == "CHAR") && p.tok(0).is("VARYING"):
		p.k++
		name = "VARCHAR"
	}
	params, err := p.params(info.maxParams)
	if err != nil {
		return "", err
	}
	if info.keepParams && len(params) > 0 {
		name += "(" + strings.Join(params, ",") + ")"
	}
	if p.tok(0).is("UNSIGNED") || p.tok(0).is("SIGNED") {
		p.k++
	}
	if info.name == "TIMESTAMP" || info.name == "TIME" {
		switch {
		case p.tok(0).is("WITHOUT") && p.tok(1).is("TIME") && p.tok(2).is("ZONE"):
			p.k += 3
		case p.tok(0).is("WITH") && p.tok(1).is("LOCAL") && p.tok(2).is("TIME") && p.tok(3).is("ZONE"):
			p.k += 4
			if info.name == "TIMESTAMP" {
				name = strings.Replace(name, "TIMESTAMP", "TIMESTAMP_LTZ", 1)
			}
		case p.tok(0).is("WITH") && p.tok(1).is("TIME") && p.tok(2).is("ZONE"):
			return "", p.errorf("TIMESTAMP WITH TIME ZONE is not supported; use TIMESTAMP_LTZ")
		}
	}
	if (name == "STRING" || strings.HasPrefix(name, "VARCHAR") || strings.HasPrefix(name, "CHAR")) &&
		(p.tok(0).is("CHARACTER") && p.tok(1).is("SET") || p.tok(0).is("CHARSET")) {
		// MySQL's CHARACTER SET utf8mb4: text is UTF-8 anyway.
		if p.tok(0).is("CHARSET") {
			p.k += 2
		} else {
			p.k += 3
		}
	}
	return name, nil
}

// params reads an optional (n[, m]) list of up to max integers (MAX for VARCHAR(MAX)).
func (p *typeParser) params(maxN int) ([]string, *Error) {
	if !p.tok(0).is("(") {
		return nil, nil
	}
	if maxN == 0 {
		return nil, p.errorf("this type takes no parameters")
	}
	p.k++
	var out []string
	for {
		t := p.tok(0)
		switch {
		case t.kind == tkNumber:
			if _, err := strconv.Atoi(p.scr.text[t.start:t.end]); err != nil {
				return nil, p.errorf("expected an integer type parameter")
			}
			out = append(out, p.scr.text[t.start:t.end])
		case t.is("MAX"):
			out = append(out, "MAX")
		default:
			return nil, p.errorf("expected an integer type parameter")
		}
		p.k++
		if p.tok(0).is(",") && len(out) < maxN {
			p.k++
			continue
		}
		if !p.tok(0).is(")") {
			return nil, p.errorf("expected ) after type parameters")
		}
		p.k++
		return out, nil
	}
}

// angled reads <T> or <K, V>.
func (p *typeParser) angled(n int) ([]string, *Error) {
	if !p.tok(0).is("<") {
		return nil, p.errorf("expected < after the type name")
	}
	p.k++
	var out []string
	for len(out) < n {
		t, err := p.nested()
		if err != nil {
			return nil, err
		}
		out = append(out, t)
		if len(out) < n {
			if !p.tok(0).is(",") {
				return nil, p.errorf("expected ,")
			}
			p.k++
		}
	}
	if !p.tok(0).is(">") {
		return nil, p.errorf("expected >")
	}
	p.k++
	return out, nil
}

// nested reads a type inside brackets, where NOT NULL may follow.
func (p *typeParser) nested() (string, *Error) {
	t, err := p.parse()
	if err != nil {
		return "", err
	}
	if p.tok(0).is("NOT") && p.tok(1).is("NULL") {
		p.k += 2
		t += " NOT NULL"
	} else if p.tok(0).is("NULL") {
		p.k++
	}
	return t, nil
}

// row reads ROW<name T, ...> or ROW(name T, ...) after the ROW word.
func (p *typeParser) row() (string, *Error) {
	closeWith := ">"
	switch {
	case p.tok(0).is("<"):
	case p.tok(0).is("("):
		closeWith = ")"
	default:
		return "", p.errorf("expected < after ROW")
	}
	p.k++
	var fields []string
	for !p.tok(0).is(closeWith) {
		if len(fields) > 0 {
			if !p.tok(0).is(",") {
				return "", p.errorf("expected , or %s in ROW", closeWith)
			}
			p.k++
		}
		name := p.tok(0)
		if !name.isName() {
			return "", p.errorf("expected a field name in ROW")
		}
		p.k++
		t, err := p.nested()
		if err != nil {
			return "", err
		}
		f := unquote(p.scr.text, name) + " " + t
		if p.tok(0).kind == tkString { // field description
			p.k++
		}
		fields = append(fields, f)
	}
	p.k++
	return "ROW<" + strings.Join(fields, ",") + ">", nil
}
