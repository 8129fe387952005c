package planner

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/opcode"
	driver "github.com/pingcap/tidb/pkg/parser/test_driver"

	"github.com/eddysql/eddy/exec/expr"
	"github.com/eddysql/eddy/parser"
)

// DurationType is the type of day-time INTERVAL literals: milliseconds.
var DurationType arrow.DataType = arrow.FixedWidthTypes.Duration_ms

// exprBinder binds TiDB expressions to expr.Expr over one input schema.
type exprBinder struct {
	p      *Planner
	src    *parser.Source
	schema Schema
	// what names the input for hints, e.g. "bid".
	what string
	// agg, when set, binds over the output of an aggregation (SELECT list and HAVING).
	agg *aggContext
	// over maps the OVER functions of a SELECT list to the columns of the Over node.
	over map[ast.Node]int
	// starWidth is how many leading columns SELECT * expands to when over is set.
	starWidth int
}

func (b *exprBinder) pos(n ast.Node) parser.Pos {
	if b.src == nil {
		return parser.Pos{}
	}
	return b.src.PosOf(n)
}

func (b *exprBinder) errAt(n ast.Node, hint, format string, args ...any) error {
	return b.p.errAt(b.pos(n), hint, format, args...)
}

// typeErr attaches the position of n to an error from expr's constructors.
func (b *exprBinder) typeErr(n ast.Node, err error) error {
	if _, ok := err.(*parser.Error); ok {
		return err
	}
	return b.errAt(n, "", "%s", err.Error())
}

// resolve finds a column by (qualifier, name) in the binder's schema.
func (b *exprBinder) resolve(n *ast.ColumnNameExpr) (int, error) {
	name, qual := n.Name.Name.O, n.Name.Table.O
	found := -1
	for i, f := range b.schema {
		if !strings.EqualFold(f.Name, name) {
			continue
		}
		if qual != "" && !strings.EqualFold(f.Qualifier, qual) {
			continue
		}
		if found >= 0 {
			return -1, b.errAt(n, "qualify the column with its table name or alias", "column '%s' is ambiguous", name)
		}
		found = i
	}
	if found < 0 && qual != "" && n.Name.Schema.O == "" {
		if e, err := b.rowField(qual, name); err != nil {
			return -1, b.errAt(n, "", "%v", err)
		} else if e != nil {
			return -1, &rowFieldRef{e}
		}
	}
	if found < 0 {
		full := name
		if qual != "" {
			full = qual + "." + name
		}
		return -1, b.errAt(n, b.columnsHint(), "unknown column '%s'", full)
	}
	return found, nil
}

func (b *exprBinder) columnsHint() string {
	var names []string
	for _, f := range b.schema {
		names = append(names, f.Name)
	}
	what := "the input"
	if b.what != "" {
		what = b.what
	}
	return fmt.Sprintf("columns of %s are: %s", what, strings.Join(names, ", "))
}

// bind turns an AST expression into a typed expression.
func (b *exprBinder) bind(n ast.ExprNode) (expr.Expr, error) {
	if i, ok := b.over[n]; ok {
		return &expr.Column{Index: i, Name: b.schema[i].Name, T: b.schema[i].Type}, nil
	}
	if b.agg != nil {
		if e, ok, err := b.agg.lookup(b, n); ok || err != nil {
			return e, err
		}
	}
	switch x := n.(type) {
	case *ast.ParenthesesExpr:
		return b.bind(x.Expr)
	case *ast.ColumnNameExpr:
		i, err := b.resolve(x)
		if rf, ok := err.(*rowFieldRef); ok {
			return rf.e, nil
		}
		if err != nil {
			return nil, err
		}
		return &expr.Column{Index: i, Name: b.schema[i].Name, T: b.schema[i].Type}, nil
	case *driver.ValueExpr:
		return literal(x)
	case *ast.BinaryOperationExpr:
		return b.binary(x)
	case *ast.UnaryOperationExpr:
		v, err := b.bind(x.V)
		if err != nil {
			return nil, err
		}
		switch x.Op {
		case opcode.Minus:
			return b.call(x, "neg", v)
		case opcode.Plus:
			return v, nil
		case opcode.Not, opcode.Not2:
			return b.call(x, "not", v)
		}
		return nil, b.errAt(x, "", "operator %s is not supported", x.Op)
	case *ast.IsNullExpr:
		v, err := b.bind(x.Expr)
		if err != nil {
			return nil, err
		}
		if x.Not {
			return b.call(x, "is_not_null", v)
		}
		return b.call(x, "is_null", v)
	case *ast.IsTruthExpr:
		v, err := b.bind(x.Expr)
		if err != nil {
			return nil, err
		}
		fn := "is_true"
		if x.True == 0 {
			fn = "is_false"
		}
		e, err := b.call(x, fn, v)
		if err != nil || !x.Not {
			return e, err
		}
		return b.call(x, "not", e)
	case *ast.BetweenExpr:
		args, err := b.bindAll(x.Expr, x.Left, x.Right)
		if err != nil {
			return nil, err
		}
		if x.Not {
			return b.call(x, "not_between", args...)
		}
		return b.call(x, "between", args...)
	case *ast.PatternInExpr:
		if x.Sel != nil {
			return nil, b.errAt(x, "list the values: x IN (1, 2, 3)", "IN with a subquery is not supported")
		}
		args, err := b.bindAll(append([]ast.ExprNode{x.Expr}, x.List...)...)
		if err != nil {
			return nil, err
		}
		if x.Not {
			return b.call(x, "not_in", args...)
		}
		return b.call(x, "in", args...)
	case *ast.PatternLikeOrIlikeExpr:
		args, err := b.bindAll(x.Expr, x.Pattern)
		if err != nil {
			return nil, err
		}
		if x.Escape != 0 && x.Escape != '\\' {
			args = append(args, &expr.Literal{Value: string(rune(x.Escape)), T: arrow.BinaryTypes.String})
		}
		fn := "like"
		if !x.IsLike {
			fn = "ilike"
		}
		if x.Not {
			fn = "not_" + fn
		}
		return b.call(x, fn, args...)
	case *ast.PatternRegexpExpr:
		args, err := b.bindAll(x.Expr, x.Pattern)
		if err != nil {
			return nil, err
		}
		e, err := b.call(x, "regexp", args...)
		if err != nil || !x.Not {
			return e, err
		}
		return b.call(x, "not", e)
	case *ast.CaseExpr:
		return b.caseExpr(x)
	case *ast.FuncCallExpr:
		return b.funcCall(x)
	case *ast.FuncCastExpr:
		v, err := b.bind(x.Expr)
		if err != nil {
			return nil, err
		}
		t, err := ParseType(x.Tp.String())
		if err != nil {
			return nil, b.errAt(x, "", "%v", err)
		}
		e, err := expr.NewCast(v, t, false)
		if err != nil {
			return nil, b.typeErr(x, err)
		}
		return e, nil
	case *ast.AggregateFuncExpr:
		return nil, b.errAt(x, "aggregate functions belong in the SELECT list or HAVING of a GROUP BY query", "aggregate %s is not allowed here", strings.ToUpper(x.F))
	case *ast.WindowFuncExpr:
		return nil, b.errAt(x, "use OVER functions in the SELECT list", "%s OVER is not allowed here", strings.ToUpper(x.Name))
	case *ast.SubqueryExpr, *ast.ExistsSubqueryExpr, *ast.CompareSubqueryExpr:
		return nil, b.errAt(n, "", "subqueries in expressions are not supported yet")
	case *ast.TimeUnitExpr:
		return &expr.Literal{Value: x.Unit.String(), T: arrow.BinaryTypes.String}, nil
	case *ast.TrimDirectionExpr:
		return &expr.Literal{Value: x.Direction.String(), T: arrow.BinaryTypes.String}, nil
	}
	return nil, b.errAt(n, "", "this kind of expression (%T) is not supported", n)
}

func (b *exprBinder) bindAll(ns ...ast.ExprNode) ([]expr.Expr, error) {
	out := make([]expr.Expr, len(ns))
	for i, n := range ns {
		e, err := b.bind(n)
		if err != nil {
			return nil, err
		}
		out[i] = e
	}
	return out, nil
}

func (b *exprBinder) call(n ast.Node, fn string, args ...expr.Expr) (expr.Expr, error) {
	e, err := expr.NewCall(fn, args...)
	if err != nil {
		return nil, b.typeErr(n, err)
	}
	return e, nil
}

var binaryOps = map[opcode.Op]string{
	opcode.LogicAnd: "and", opcode.LogicOr: "or", opcode.LogicXor: "xor",
	opcode.GE: ">=", opcode.LE: "<=", opcode.EQ: "=", opcode.NE: "<>", opcode.LT: "<", opcode.GT: ">",
	opcode.Plus: "+", opcode.Minus: "-", opcode.Mul: "*", opcode.Div: "/", opcode.Mod: "%", opcode.IntDiv: "/",
	opcode.NullEQ: "is_not_distinct_from",
}

func (b *exprBinder) binary(x *ast.BinaryOperationExpr) (expr.Expr, error) {
	fn, ok := binaryOps[x.Op]
	if !ok {
		return nil, b.errAt(x, "", "operator %s is not supported", x.Op)
	}
	args, err := b.bindAll(x.L, x.R)
	if err != nil {
		return nil, err
	}
	return b.call(x, fn, args...)
}

func (b *exprBinder) caseExpr(x *ast.CaseExpr) (expr.Expr, error) {
	var operand, els expr.Expr
	var err error
	if x.Value != nil {
		if operand, err = b.bind(x.Value); err != nil {
			return nil, err
		}
	}
	var whens []expr.When
	for _, w := range x.WhenClauses {
		c, err := b.bind(w.Expr)
		if err != nil {
			return nil, err
		}
		t, err := b.bind(w.Result)
		if err != nil {
			return nil, err
		}
		whens = append(whens, expr.When{Cond: c, Then: t})
	}
	if x.ElseClause != nil {
		if els, err = b.bind(x.ElseClause); err != nil {
			return nil, err
		}
	}
	e, err := expr.NewCase(operand, whens, els)
	if err != nil {
		return nil, b.typeErr(x, err)
	}
	return e, nil
}

// literal types a TiDB literal the way Flink types it: integers as INT when they fit
// (else BIGINT), exact decimals as DOUBLE (eddy simplification), strings as STRING.
func literal(v *driver.ValueExpr) (expr.Expr, error) {
	switch v.Kind() {
	case driver.KindNull:
		return &expr.Literal{Value: nil, T: arrow.Null}, nil
	case driver.KindInt64:
		i := v.GetInt64()
		if i >= math.MinInt32 && i <= math.MaxInt32 {
			return &expr.Literal{Value: i, T: arrow.PrimitiveTypes.Int32}, nil
		}
		return &expr.Literal{Value: i, T: arrow.PrimitiveTypes.Int64}, nil
	case driver.KindUint64:
		return &expr.Literal{Value: int64(v.GetUint64()), T: arrow.PrimitiveTypes.Int64}, nil
	case driver.KindFloat32, driver.KindFloat64:
		return &expr.Literal{Value: v.GetFloat64(), T: arrow.PrimitiveTypes.Float64}, nil
	case driver.KindMysqlDecimal:
		f, err := strconv.ParseFloat(v.GetMysqlDecimal().String(), 64)
		if err != nil {
			return nil, err
		}
		return &expr.Literal{Value: f, T: arrow.PrimitiveTypes.Float64}, nil
	case driver.KindString, driver.KindBytes:
		return &expr.Literal{Value: v.GetString(), T: arrow.BinaryTypes.String}, nil
	}
	return nil, fmt.Errorf("unsupported literal %v", v.GetValue())
}

// stringArg returns the string value of a literal argument of a marker function.
func stringArg(n ast.ExprNode) (string, bool) {
	if v, ok := n.(*driver.ValueExpr); ok && (v.Kind() == driver.KindString || v.Kind() == driver.KindBytes) {
		return v.GetString(), true
	}
	return "", false
}

var unitMillis = map[string]int64{
	"MILLISECOND": 1, "SECOND": 1000, "MINUTE": 60_000, "HOUR": 3_600_000, "DAY": 86_400_000, "WEEK": 7 * 86_400_000,
}

// intervalMillis evaluates a `__interval('n','UNIT')` marker to milliseconds.
func (b *exprBinder) intervalMillis(n ast.ExprNode) (int64, error) {
	f, ok := n.(*ast.FuncCallExpr)
	if !ok || f.FnName.L != "__interval" || len(f.Args) != 2 {
		return 0, b.errAt(n, "write an interval literal such as INTERVAL '10' SECOND", "expected an INTERVAL")
	}
	val, _ := stringArg(f.Args[0])
	unit, _ := stringArg(f.Args[1])
	unit = strings.ToUpper(unit)
	val = strings.TrimSpace(val)
	neg := strings.HasPrefix(val, "-")
	val = strings.TrimPrefix(strings.TrimPrefix(val, "-"), "+")
	var ms int64
	switch unit {
	case "MONTH", "YEAR", "QUARTER":
		return 0, b.errAt(n, "use a day-time interval (DAY, HOUR, MINUTE, SECOND)", "a %s interval has no fixed length and cannot be used here", unit)
	case "MINUTE TO SECOND", "HOUR TO MINUTE", "HOUR TO SECOND", "DAY TO HOUR", "DAY TO MINUTE", "DAY TO SECOND":
		d, err := compoundInterval(val, unit)
		if err != nil {
			return 0, b.errAt(n, "", "%v", err)
		}
		ms = d
	default:
		m, ok := unitMillis[unit]
		if !ok {
			return 0, b.errAt(n, "units: MILLISECOND, SECOND, MINUTE, HOUR, DAY, WEEK", "unknown interval unit %s", unit)
		}
		if i, err := strconv.ParseInt(val, 10, 64); err == nil {
			ms = i * m
		} else if f, err := strconv.ParseFloat(val, 64); err == nil {
			ms = int64(math.Round(f * float64(m)))
		} else {
			return 0, b.errAt(n, "write the number in quotes: INTERVAL '10' SECOND", "bad interval value '%s'", val)
		}
	}
	if neg {
		ms = -ms
	}
	return ms, nil
}

// compoundInterval parses '1:30' MINUTE TO SECOND style values.
func compoundInterval(val, unit string) (int64, error) {
	parts := strings.FieldsFunc(val, func(r rune) bool { return r == ':' || r == ' ' })
	units := map[string][]int64{
		"MINUTE TO SECOND": {60_000, 1000}, "HOUR TO MINUTE": {3_600_000, 60_000}, "HOUR TO SECOND": {3_600_000, 60_000, 1000},
		"DAY TO HOUR": {86_400_000, 3_600_000}, "DAY TO MINUTE": {86_400_000, 3_600_000, 60_000},
		"DAY TO SECOND": {86_400_000, 3_600_000, 60_000, 1000},
	}[unit]
	if len(parts) != len(units) {
		return 0, fmt.Errorf("interval '%s' does not match %s", val, unit)
	}
	var ms int64
	for i, p := range parts {
		f, err := strconv.ParseFloat(p, 64)
		if err != nil {
			return 0, fmt.Errorf("interval '%s' does not match %s", val, unit)
		}
		ms += int64(math.Round(f * float64(units[i])))
	}
	return ms, nil
}

// parseTimestampLiteral reads 'yyyy-MM-dd HH:mm:ss[.fff]' (or ISO-8601) as epoch ms UTC.
func parseTimestampLiteral(s string) (int64, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999Z07:00", "2006-01-02T15:04:05.999999999", "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UnixMilli(), nil
		}
	}
	return 0, fmt.Errorf("'%s' is not a timestamp; write 'yyyy-MM-dd HH:mm:ss[.SSS]'", s)
}

var extractUnits = map[string]string{
	"YEAR": "year", "QUARTER": "quarter", "MONTH": "month", "WEEK": "week", "DAY": "day", "DAYOFMONTH": "day",
	"DAYOFWEEK": "dayofweek", "DOW": "dayofweek", "DAYOFYEAR": "dayofyear", "DOY": "dayofyear", "HOUR": "hour",
	"MINUTE": "minute", "SECOND": "second", "MILLISECOND": "millisecond", "EPOCH": "epoch",
}

func (b *exprBinder) funcCall(x *ast.FuncCallExpr) (expr.Expr, error) {
	name := x.FnName.L
	switch name {
	case "__interval":
		ms, err := b.intervalMillis(x)
		if err != nil {
			return nil, err
		}
		return &expr.Literal{Value: ms, T: DurationType}, nil
	case "__cast", "__try_cast":
		if len(x.Args) != 2 {
			return nil, b.errAt(x, "", "CAST needs a value and a type")
		}
		tn, _ := stringArg(x.Args[1])
		t, err := ParseType(tn)
		if err != nil {
			return nil, b.errAt(x, "", "%v", err)
		}
		v, err := b.bind(x.Args[0])
		if err != nil {
			return nil, err
		}
		e, err := expr.NewCast(v, t, name == "__try_cast")
		if err != nil {
			return nil, b.typeErr(x, err)
		}
		return e, nil
	case "__floor_to", "__ceil_to":
		v, err := b.bind(x.Args[0])
		if err != nil {
			return nil, err
		}
		unit, _ := stringArg(x.Args[1])
		return b.call(x, strings.TrimPrefix(name, "__"), v, &expr.Literal{Value: strings.ToUpper(unit), T: arrow.BinaryTypes.String})
	case "__is_distinct_from", "__is_not_distinct_from":
		args, err := b.bindAll(x.Args...)
		if err != nil {
			return nil, err
		}
		return b.call(x, strings.TrimPrefix(name, "__"), args...)
	case "__json_value":
		args, err := b.bindAll(x.Args...)
		if err != nil {
			return nil, err
		}
		if len(args) == 3 {
			tn, _ := stringArg(x.Args[2])
			if _, err := ParseType(tn); err != nil {
				return nil, b.errAt(x, "", "%v", err)
			}
			args[2] = &expr.Literal{Value: tn, T: arrow.BinaryTypes.String}
		}
		return b.call(x, "json_value", args...)
	case "__filter":
		return nil, b.errAt(x, "FILTER (WHERE ...) follows an aggregate call in a GROUP BY query", "FILTER is not allowed here")
	case "__proctime", "proctime":
		// Processing time: the wall clock when the row is processed (TIMESTAMP_LTZ(3)), a
		// time attribute for lookup joins (FOR SYSTEM_TIME AS OF proc_time) and
		// processing-time windows.
		return b.call(x, "proctime")
	case "__current_watermark":
		return nil, b.errAt(x, "", "CURRENT_WATERMARK is not supported yet")
	case ast.TimestampLiteral, ast.DateLiteral, ast.TimeLiteral:
		s, _ := stringArg(x.Args[0])
		if name == ast.DateLiteral {
			ms, err := parseTimestampLiteral(s)
			if err != nil {
				return nil, b.errAt(x, "", "%v", err)
			}
			return &expr.Literal{Value: ms / 86_400_000, T: arrow.FixedWidthTypes.Date32}, nil
		}
		if name == ast.TimeLiteral {
			return nil, b.errAt(x, "", "TIME literals are not supported yet")
		}
		ms, err := parseTimestampLiteral(s)
		if err != nil {
			return nil, b.errAt(x, "", "%v", err)
		}
		return &expr.Literal{Value: ms, T: TimestampType}, nil
	case "extract":
		unit := ""
		if tu, ok := x.Args[0].(*ast.TimeUnitExpr); ok {
			unit = tu.Unit.String()
		}
		fn, ok := extractUnits[strings.ToUpper(unit)]
		if !ok {
			return nil, b.errAt(x, "units: YEAR, QUARTER, MONTH, WEEK, DAY, DAYOFWEEK, DAYOFYEAR, HOUR, MINUTE, SECOND, MILLISECOND, EPOCH", "EXTRACT of %s is not supported", unit)
		}
		v, err := b.bind(x.Args[1])
		if err != nil {
			return nil, err
		}
		return b.call(x, "extract_"+fn, v)
	case "year", "quarter", "month", "week", "dayofmonth", "dayofweek", "dayofyear", "hour", "minute", "second":
		v, err := b.bind(x.Args[0])
		if err != nil {
			return nil, err
		}
		return b.call(x, "extract_"+extractUnits[strings.ToUpper(name)], v)
	case "ifnull":
		args, err := b.bindAll(x.Args...)
		if err != nil {
			return nil, err
		}
		return b.call(x, "coalesce", args...)
	}
	if strings.HasPrefix(name, "__group_") || strings.HasPrefix(name, "__tumble_") || strings.HasPrefix(name, "__hop_") || strings.HasPrefix(name, "__session_") {
		return nil, b.errAt(x, "group windows go in GROUP BY: GROUP BY TUMBLE(ts, INTERVAL '1' MINUTE), and TUMBLE_START/TUMBLE_END in the SELECT list of that query", "group window function is not allowed here")
	}
	if strings.HasPrefix(name, "__window_") {
		return nil, b.errAt(x, "write the window in FROM: FROM TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL '10' SECOND))", "window function is not allowed here")
	}
	args, err := b.bindAll(x.Args...)
	if err != nil {
		return nil, err
	}
	return b.call(x, name, args...)
}

// rowFieldRef carries the binding of `row.field` out of resolve, which otherwise only
// returns column indexes.
type rowFieldRef struct{ e expr.Expr }

func (r *rowFieldRef) Error() string { return "row field" }

// rowField binds `col.field` where col is a ROW column of the input (no table is named col).
// It returns nil, nil when col is not a ROW column.
func (b *exprBinder) rowField(col, field string) (expr.Expr, error) {
	for i, f := range b.schema {
		if !strings.EqualFold(f.Name, col) {
			continue
		}
		if _, ok := f.Type.(*arrow.StructType); !ok {
			return nil, nil
		}
		return expr.NewCall("__field", &expr.Column{Index: i, Name: f.Name, T: f.Type}, &expr.Literal{Value: field, T: arrow.BinaryTypes.String})
	}
	return nil, nil
}
