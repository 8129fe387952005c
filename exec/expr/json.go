package expr

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/valyala/fastjson"
)

// JSON functions evaluate a small subset of SQL/JSON paths: $, .key, ."quoted key",
// ['key'], ["key"], [n], with an optional leading lax/strict mode word. Any error (bad
// JSON, a missing key, a non-scalar where a scalar is wanted) yields NULL, Flink's
// NULL ON ERROR default.

func registerJSON() {
	register("json_value", "JSON_VALUE(json STRING, path STRING [, returning type name STRING]) -> STRING or the type",
		"the scalar at path, as STRING or cast to the RETURNING type; NULL when absent or not a scalar", checkJSONValue, buildJSONValue, "__json_value")
	register("json_exists", "JSON_EXISTS(json STRING, path STRING) -> BOOLEAN", "TRUE when path exists in json (FALSE for invalid JSON)",
		checkJSONPathArg(simple(sig(kString, kString), 2, false, fixed(Bool))), buildJSONExists)
	register("json_query", "JSON_QUERY(json STRING, path STRING) -> STRING", "the JSON text of the object or array at path; NULL otherwise",
		checkJSONPathArg(simple(sig(kString, kString), 2, false, fixed(String))), buildJSONValue)
}

type jsonStep struct {
	key   string
	idx   int
	isIdx bool
}

func compileJSONPath(p string) ([]jsonStep, error) {
	s := strings.TrimSpace(p)
	for _, mode := range []string{"lax ", "strict "} {
		if len(s) >= len(mode) && strings.EqualFold(s[:len(mode)], mode) {
			s = strings.TrimSpace(s[len(mode):])
		}
	}
	if !strings.HasPrefix(s, "$") {
		return nil, fmt.Errorf("JSON path %q must start with $", p)
	}
	var steps []jsonStep
	i := 1
	for i < len(s) {
		switch s[i] {
		case '.':
			i++
			if i < len(s) && (s[i] == '"' || s[i] == '\'') {
				q := s[i]
				j := strings.IndexByte(s[i+1:], q)
				if j < 0 {
					return nil, fmt.Errorf("JSON path %q: unterminated quote", p)
				}
				steps = append(steps, jsonStep{key: s[i+1 : i+1+j]})
				i += j + 2
				continue
			}
			j := i
			for j < len(s) && s[j] != '.' && s[j] != '[' {
				j++
			}
			if j == i {
				return nil, fmt.Errorf("JSON path %q: empty key", p)
			}
			steps = append(steps, jsonStep{key: s[i:j]})
			i = j
		case '[':
			j := strings.IndexByte(s[i:], ']')
			if j < 0 {
				return nil, fmt.Errorf("JSON path %q: missing ]", p)
			}
			inner := strings.TrimSpace(s[i+1 : i+j])
			if len(inner) >= 2 && (inner[0] == '\'' || inner[0] == '"') && inner[len(inner)-1] == inner[0] {
				steps = append(steps, jsonStep{key: inner[1 : len(inner)-1]})
			} else {
				n, err := strconv.Atoi(inner)
				if err != nil || n < 0 {
					return nil, fmt.Errorf("JSON path %q: bad subscript [%s]", p, inner)
				}
				steps = append(steps, jsonStep{idx: n, isIdx: true})
			}
			i += j + 1
		case ' ':
			i++
		default:
			return nil, fmt.Errorf("JSON path %q: unexpected %q", p, s[i])
		}
	}
	return steps, nil
}

func walkJSON(v *fastjson.Value, steps []jsonStep) *fastjson.Value {
	for _, st := range steps {
		if v == nil {
			return nil
		}
		if st.isIdx {
			if v.Type() != fastjson.TypeArray {
				return nil
			}
			arr, _ := v.Array()
			if st.idx >= len(arr) {
				return nil
			}
			v = arr[st.idx]
			continue
		}
		if v.Type() != fastjson.TypeObject {
			return nil
		}
		o, _ := v.Object()
		v = o.Get(st.key)
	}
	return v
}

func checkJSONPathArg(inner checkFn) checkFn {
	return func(name string, args []Expr) (Expr, error) {
		e, err := inner(name, args)
		if err != nil {
			return nil, err
		}
		if v, ok := literalArg(e.(*Call).Args, 1); ok && v != nil {
			if _, err := compileJSONPath(v.(string)); err != nil {
				return nil, typeErrorf("%s: %v", upper(name), err)
			}
		}
		return e, nil
	}
}

// checkJSONValue: the optional third argument is a constant type name (the parser's
// RETURNING clause); the call's type is then that type.
func checkJSONValue(name string, args []Expr) (Expr, error) {
	e, err := checkJSONPathArg(simple(sig(kString, kString, kLitStr), 2, false, fixed(String)))(name, args)
	if err != nil {
		return nil, err
	}
	c := e.(*Call)
	if len(c.Args) == 3 {
		v, _ := literalArg(c.Args, 2)
		s, _ := v.(string)
		t, err := TypeFromName(s)
		if err != nil {
			return nil, typeErrorf("JSON_VALUE RETURNING: %v", err)
		}
		if !castable(String, t) {
			return nil, typeErrorf("JSON_VALUE cannot return %s", TypeName(t))
		}
		c.T = t
	}
	return c, nil
}

// jsonPathCache keeps the compiled path of the last path string seen.
type jsonPathCache struct {
	last  string
	steps []jsonStep
	err   error
	ok    bool
}

func (c *jsonPathCache) get(p string) ([]jsonStep, error) {
	if !c.ok || p != c.last {
		c.last = strings.Clone(p)
		c.steps, c.err = compileJSONPath(p)
		c.ok = true
	}
	return c.steps, c.err
}

func buildJSONValue(c *compiler, call *Call) (evalFunc, error) {
	mem, t := c.mem, call.T
	query := call.Func == "json_query"
	var parser fastjson.Parser
	var pc jsonPathCache
	return c.withArgs(call.Args[:2], func(in []arrow.Array, n int) (arrow.Array, error) {
		j, p := strs(in[0]), strs(in[1])
		out := mapString(mem, n, in, func(i int, dst []byte) ([]byte, bool) {
			steps, err := pc.get(p.Value(i))
			if err != nil {
				return nil, false
			}
			v, err := parser.Parse(j.Value(i))
			if err != nil {
				return nil, false
			}
			v = walkJSON(v, steps)
			if v == nil {
				return nil, false
			}
			switch v.Type() {
			case fastjson.TypeString:
				if query {
					return nil, false
				}
				return append(dst, v.GetStringBytes()...), true
			case fastjson.TypeNumber, fastjson.TypeTrue, fastjson.TypeFalse:
				if query {
					return nil, false
				}
				return v.MarshalTo(dst), true
			case fastjson.TypeObject, fastjson.TypeArray:
				if query {
					return v.MarshalTo(dst), true
				}
			}
			return nil, false
		})
		if isString(t) {
			return out, nil
		}
		defer out.Release()
		return castArray(mem, out, t)
	})
}

func buildJSONExists(c *compiler, call *Call) (evalFunc, error) {
	mem := c.mem
	var parser fastjson.Parser
	var pc jsonPathCache
	return c.withArgs(call.Args, func(in []arrow.Array, n int) (arrow.Array, error) {
		j, p := strs(in[0]), strs(in[1])
		return mapBool(mem, n, in, func(i int) (bool, bool) {
			steps, err := pc.get(p.Value(i))
			if err != nil {
				return false, true
			}
			v, err := parser.Parse(j.Value(i))
			if err != nil {
				return false, true
			}
			return walkJSON(v, steps) != nil, true
		}), nil
	})
}

// TypeFromName parses a SQL type name (Flink's or MySQL's spelling) into its Arrow type:
// BIGINT, INT, INTEGER, SMALLINT, TINYINT, DOUBLE, FLOAT, REAL, DECIMAL(p, s), NUMERIC,
// STRING, VARCHAR(n), CHAR(n), TEXT, BOOLEAN, DATE, TIMESTAMP(3), DATETIME, TIMESTAMP_LTZ(3).
func TypeFromName(name string) (arrow.DataType, error) {
	s := strings.ToUpper(strings.TrimSpace(name))
	base, params := s, ""
	if k := strings.IndexByte(s, '('); k >= 0 && strings.HasSuffix(s, ")") {
		base, params = strings.TrimSpace(s[:k]), s[k+1:len(s)-1]
	}
	base = strings.Join(strings.Fields(base), " ")
	switch base {
	case "BIGINT":
		return BigInt, nil
	case "INT", "INTEGER":
		return Int, nil
	case "SMALLINT":
		return arrow.PrimitiveTypes.Int16, nil
	case "TINYINT":
		return arrow.PrimitiveTypes.Int8, nil
	case "DOUBLE", "DOUBLE PRECISION":
		return Double, nil
	case "FLOAT", "REAL":
		return arrow.PrimitiveTypes.Float32, nil
	case "STRING", "VARCHAR", "CHAR", "TEXT", "CHARACTER VARYING":
		return String, nil
	case "BOOLEAN", "BOOL":
		return Bool, nil
	case "DATE":
		return Date, nil
	case "TIMESTAMP", "DATETIME", "TIMESTAMP WITHOUT TIME ZONE":
		return Timestamp, nil
	case "TIMESTAMP_LTZ", "TIMESTAMP WITH LOCAL TIME ZONE":
		return TimestampLTZ, nil
	case "DECIMAL", "NUMERIC", "DEC":
		p, sc := int32(10), int32(0)
		if params != "" {
			parts := strings.Split(params, ",")
			v, err := strconv.Atoi(strings.TrimSpace(parts[0]))
			if err != nil || v < 1 || v > 38 {
				return nil, fmt.Errorf("bad DECIMAL precision in %q", name)
			}
			p = int32(v)
			if len(parts) > 1 {
				v, err := strconv.Atoi(strings.TrimSpace(parts[1]))
				if err != nil || v < 0 || int32(v) > p {
					return nil, fmt.Errorf("bad DECIMAL scale in %q", name)
				}
				sc = int32(v)
			}
		}
		return Decimal(p, sc), nil
	}
	return nil, fmt.Errorf("unknown type %q", name)
}
