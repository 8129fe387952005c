package planner

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/eddysql/eddy/exec"
	"github.com/eddysql/eddy/exec/expr"
	"github.com/eddysql/eddy/parser"
)

type windowFuncCollector struct{ calls []*ast.WindowFuncExpr }

func (c *windowFuncCollector) Enter(n ast.Node) (ast.Node, bool) {
	switch x := n.(type) {
	case *ast.WindowFuncExpr:
		c.calls = append(c.calls, x)
		return n, true
	case *ast.SubqueryExpr:
		return n, true
	}
	return n, false
}

func (c *windowFuncCollector) Leave(n ast.Node) (ast.Node, bool) { return n, true }

func collectWindowFuncs(sel *ast.SelectStmt) []*ast.WindowFuncExpr {
	c := &windowFuncCollector{}
	for _, f := range sel.Fields.Fields {
		if f.Expr != nil {
			f.Expr.Accept(c)
		}
	}
	return c.calls
}

// bindOver plans a SELECT list with OVER functions: an Over node computes them (over a
// projection that adds their non-column arguments), and the SELECT list reads its columns.
func (b *binder) bindOver(sel *ast.SelectStmt, input Node, calls []*ast.WindowFuncExpr, src *parser.Source) (Node, error) {
	in := &exprBinder{p: b.p, src: src, schema: input.Schema(), what: describeInput(input)}
	width := len(in.schema)
	var extra []expr.Expr
	column := func(n ast.ExprNode) (int, error) {
		e, err := in.bind(n)
		if err != nil {
			return 0, err
		}
		if c, ok := e.(*expr.Column); ok {
			return c.Index, nil
		}
		extra = append(extra, e)
		return width + len(extra) - 1, nil
	}
	typeOf := func(i int) arrow.DataType {
		if i < width {
			return in.schema[i].Type
		}
		return extra[i-width].Type()
	}
	over := &Over{}
	var specKey string
	cols := map[ast.Node]int{}
	for i, w := range calls {
		spec, err := in.resolveWindow(w, sel.WindowSpecs)
		if err != nil {
			return nil, err
		}
		var part []int
		if spec.PartitionBy != nil {
			for _, it := range spec.PartitionBy.Items {
				c, err := column(it.Expr)
				if err != nil {
					return nil, err
				}
				part = append(part, c)
			}
		}
		var order []SortKey
		if spec.OrderBy != nil {
			for _, it := range spec.OrderBy.Items {
				c, err := column(it.Expr)
				if err != nil {
					return nil, err
				}
				order = append(order, SortKey{Col: c, Desc: it.Desc})
			}
		}
		if len(order) == 0 {
			return nil, in.errAt(w, "add ORDER BY the time attribute: OVER (PARTITION BY k ORDER BY ts)", "%s OVER needs an ORDER BY", strings.ToUpper(w.Name))
		}
		key := fmt.Sprint(part, order)
		if i == 0 {
			specKey, over.Partition, over.Order = key, part, order
		} else if key != specKey {
			return nil, in.errAt(w, "use one PARTITION BY and ORDER BY for every OVER function of a query", "OVER functions with different windows in one SELECT are not supported")
		}
		f := OverFunc{Name: fmt.Sprintf("$over%d", i), Default: -1, Preceding: -1}
		name := strings.ToLower(w.Name)
		switch name {
		case "row_number":
			f.Kind, f.Type = OverRowNumber, arrow.PrimitiveTypes.Int64
		case "lag", "lead":
			f.Kind = OverLag
			if name == "lead" {
				f.Kind = OverLead
			}
			if len(w.Args) < 1 || len(w.Args) > 3 {
				return nil, in.errAt(w, "write "+strings.ToUpper(name)+"(value [, offset [, default]])", "%s takes one to three arguments", strings.ToUpper(name))
			}
			c, err := column(w.Args[0])
			if err != nil {
				return nil, err
			}
			f.Arg, f.Type, f.Offset = c, typeOf(c), 1
			if len(w.Args) > 1 {
				e, err := in.bind(w.Args[1])
				if err != nil {
					return nil, err
				}
				l, ok := e.(*expr.Literal)
				v, isInt := l.Value.(int64)
				if !ok || !isInt || v < 0 {
					return nil, in.errAt(w.Args[1], "", "the offset of %s must be a non-negative integer literal", strings.ToUpper(name))
				}
				f.Offset = v
			}
			if len(w.Args) > 2 {
				e, err := in.bind(w.Args[2])
				if err != nil {
					return nil, err
				}
				if !typesEqual(e.Type(), f.Type) {
					if e, err = expr.NewCast(e, f.Type, false); err != nil {
						return nil, in.errAt(w.Args[2], "", "the default of %s must have the type of its value: %v", strings.ToUpper(name), err)
					}
				}
				extra = append(extra, e)
				f.Default = width + len(extra) - 1
			}
		default:
			kind, ok := aggKinds[name]
			if !ok {
				return nil, in.errAt(w, "OVER functions: ROW_NUMBER, LAG, LEAD, COUNT, SUM, MIN, MAX, AVG", "%s OVER is not supported", strings.ToUpper(w.Name))
			}
			sp := exec.AggSpec{Kind: kind, Arg: -1, Filter: -1, Distinct: w.Distinct}
			var argType arrow.DataType = arrow.PrimitiveTypes.Int64
			switch {
			case len(w.Args) == 0 && kind == exec.AggCount:
				sp.Kind = exec.AggCountStar
			case len(w.Args) == 1:
				if l, ok := w.Args[0].(ast.ValueExpr); ok && kind == exec.AggCount && l.GetValue() != nil {
					sp.Kind = exec.AggCountStar
					break
				}
				c, err := column(w.Args[0])
				if err != nil {
					return nil, err
				}
				sp.Arg, argType = c, typeOf(c)
			default:
				return nil, in.errAt(w, "", "%s takes one argument", strings.ToUpper(w.Name))
			}
			rt, err := exec.AggResultType(sp.Kind, argType)
			if err != nil {
				return nil, in.errAt(w, "CAST the argument to a number", "%v", err)
			}
			sp.Type, sp.Name = rt, f.Name
			f.Kind, f.Agg, f.Type = OverAgg, sp, rt
		}
		if err := in.frame(w, spec.Frame, &f); err != nil {
			return nil, err
		}
		cols[w] = width + len(extra) // fixed up below once extra is complete
		over.Funcs = append(over.Funcs, f)
	}
	// The Over node appends its functions after the input and the extra arguments.
	base := input
	if len(extra) > 0 {
		var exprs []expr.Expr
		var names []string
		for i, f := range in.schema {
			exprs = append(exprs, &expr.Column{Index: i, Name: f.Name, T: f.Type})
			names = append(names, f.Name)
		}
		for i, e := range extra {
			exprs = append(exprs, e)
			names = append(names, fmt.Sprintf("$arg%d", i))
		}
		base = &Project{Input: input, Exprs: exprs, Names: names, Qualifier: qualifierOf(in.schema)}
	}
	over.Input = base
	for i, w := range calls {
		cols[w] = width + len(extra) + i
	}
	eb := &exprBinder{p: b.p, src: src, schema: over.Schema(), what: describeInput(input), over: cols, starWidth: width}
	return b.bindSelectList(sel, eb, over)
}

// qualifierOf keeps a single table qualifier across a projection.
func qualifierOf(s Schema) string {
	q := ""
	for i, f := range s {
		if i > 0 && f.Qualifier != q {
			return ""
		}
		q = f.Qualifier
	}
	return q
}

// frame reads the window frame of an OVER function. Without one, an ordered window is
// RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW (SQL's and Flink's default).
func (b *exprBinder) frame(w *ast.WindowFuncExpr, fr *ast.FrameClause, f *OverFunc) error {
	if fr == nil {
		f.Preceding = -1
		return nil
	}
	if fr.Extent.End.Type != ast.CurrentRow {
		return b.errAt(w, "end the frame at CURRENT ROW: ROWS BETWEEN 10 PRECEDING AND CURRENT ROW", "OVER frames must end at CURRENT ROW on a stream")
	}
	start := fr.Extent.Start
	if start.Type == ast.CurrentRow {
		f.Preceding = 0
		f.Rows = fr.Type == ast.Rows
		return nil
	}
	if start.Type != ast.Preceding {
		return b.errAt(w, "", "the frame must start at a PRECEDING bound")
	}
	switch fr.Type {
	case ast.Rows:
		f.Rows = true
		if start.UnBounded {
			f.Preceding = -1
			return nil
		}
		v, ok := start.Expr.(ast.ValueExpr)
		n, err := strconv.ParseInt(fmt.Sprint(v.GetValue()), 10, 64)
		if !ok || err != nil || n < 0 {
			return b.errAt(w, "write ROWS BETWEEN 10 PRECEDING AND CURRENT ROW", "ROWS needs a number of rows")
		}
		f.Preceding = n
	case ast.Ranges:
		if start.UnBounded {
			f.Preceding = -1
			return nil
		}
		v, ok := start.Expr.(ast.ValueExpr)
		if !ok {
			return b.errAt(w, "write RANGE BETWEEN INTERVAL '1' HOUR PRECEDING AND CURRENT ROW", "RANGE needs an interval")
		}
		unit := map[ast.TimeUnitType]string{ast.TimeUnitMicrosecond: "MICROSECOND", ast.TimeUnitSecond: "SECOND", ast.TimeUnitMinute: "MINUTE",
			ast.TimeUnitHour: "HOUR", ast.TimeUnitDay: "DAY", ast.TimeUnitWeek: "WEEK"}[start.Unit]
		if unit == "" {
			return b.errAt(w, "write RANGE BETWEEN INTERVAL '1' HOUR PRECEDING AND CURRENT ROW", "RANGE needs an interval of seconds, minutes, hours or days")
		}
		ms, err := intervalToMillis(fmt.Sprint(v.GetValue()), unit)
		if err != nil {
			return b.errAt(w, "", "%v", err)
		}
		f.Preceding = ms
	default:
		return b.errAt(w, "use ROWS or RANGE", "GROUPS frames are not supported")
	}
	return nil
}

// intervalToMillis converts an interval value in a single unit to milliseconds.
func intervalToMillis(val, unit string) (int64, error) {
	m, ok := unitMillis[unit]
	if unit == "MICROSECOND" {
		if n, err := strconv.ParseInt(strings.TrimSpace(val), 10, 64); err == nil {
			return n / 1000, nil
		}
	}
	if !ok {
		return 0, fmt.Errorf("unknown interval unit %s", unit)
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
	if err != nil {
		return 0, fmt.Errorf("bad interval value '%s'", val)
	}
	return int64(f * float64(m)), nil
}

// resolveWindow gives the window of an OVER function: its inline specification, or the one
// named in the query's WINDOW clause (OVER w), or a named one refined inline (OVER (w ...)).
func (b *exprBinder) resolveWindow(w *ast.WindowFuncExpr, named []ast.WindowSpec) (ast.WindowSpec, error) {
	spec := w.Spec
	for depth := 0; depth < 8; depth++ {
		ref := spec.Ref
		if spec.OnlyAlias || (spec.Name.L != "" && spec.PartitionBy == nil && spec.OrderBy == nil && spec.Frame == nil) {
			ref = spec.Name
		}
		if ref.L == "" {
			return spec, nil
		}
		var base *ast.WindowSpec
		for i := range named {
			if named[i].Name.L == ref.L {
				base = &named[i]
			}
		}
		if base == nil {
			return spec, b.errAt(w, "define it: WINDOW "+ref.O+" AS (PARTITION BY k ORDER BY ts ...)", "unknown window '%s'", ref.O)
		}
		merged := *base
		merged.Name, merged.Ref, merged.OnlyAlias = base.Name, base.Ref, false
		if spec.PartitionBy != nil {
			merged.PartitionBy = spec.PartitionBy
		}
		if spec.OrderBy != nil {
			merged.OrderBy = spec.OrderBy
		}
		if spec.Frame != nil {
			merged.Frame = spec.Frame
		}
		if base.Ref.L == "" {
			merged.Name = ast.NewCIStr("")
			return merged, nil
		}
		spec = merged
		spec.Name = ast.NewCIStr("")
	}
	return spec, b.errAt(w, "", "window definitions refer to each other in a loop")
}
