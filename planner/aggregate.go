package planner

import (
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/eddysql/eddy/exec"
	"github.com/eddysql/eddy/exec/expr"
	"github.com/eddysql/eddy/parser"
)

// aggCall is one aggregate call of a query: `agg(...)` or `agg(...) FILTER (WHERE cond)`.
type aggCall struct {
	node   ast.ExprNode // the AggregateFuncExpr, or the __filter marker wrapping it
	agg    *ast.AggregateFuncExpr
	filter ast.ExprNode
}

type aggCollector struct{ calls []aggCall }

func (c *aggCollector) Enter(n ast.Node) (ast.Node, bool) {
	switch x := n.(type) {
	case *ast.FuncCallExpr:
		if x.FnName.L == "__filter" && len(x.Args) == 2 {
			if a, ok := x.Args[0].(*ast.AggregateFuncExpr); ok {
				c.calls = append(c.calls, aggCall{node: x, agg: a, filter: x.Args[1]})
				return n, true
			}
		}
	case *ast.AggregateFuncExpr:
		c.calls = append(c.calls, aggCall{node: x, agg: x})
		return n, true
	case *ast.SubqueryExpr:
		return n, true
	}
	return n, false
}

func (c *aggCollector) Leave(n ast.Node) (ast.Node, bool) { return n, true }

func collectAggregates(sel *ast.SelectStmt) []aggCall {
	c := &aggCollector{}
	for _, f := range sel.Fields.Fields {
		if f.Expr != nil {
			f.Expr.Accept(c)
		}
	}
	if sel.Having != nil {
		sel.Having.Expr.Accept(c)
	}
	return c.calls
}

// aggContext binds the SELECT list and HAVING of an aggregation over its output.
type aggContext struct {
	in        *exprBinder      // binds over the aggregation's input
	toBase    []int            // input column -> pre-window column (groupKeys are over those)
	groupKeys map[string]int   // exprKey over the pre-window input -> output column
	windowIn  map[int]int      // input column (window_start/end/time of a TVF) -> output column
	aggs      map[ast.Node]int // aggregate call -> output column
	legacy    bool
	nKeys     int
	unbounded bool // no window: TUMBLE_START and the like are errors
}

// lookup resolves n when it names a grouped expression, a window column or an aggregate.
func (a *aggContext) lookup(b *exprBinder, n ast.ExprNode) (expr.Expr, bool, error) {
	col := func(i int) expr.Expr { return &expr.Column{Index: i, Name: b.schema[i].Name, T: b.schema[i].Type} }
	if i, ok := a.aggs[n]; ok {
		return col(i), true, nil
	}
	if f, ok := n.(*ast.FuncCallExpr); ok {
		name := f.FnName.L
		for _, p := range []string{"__tumble_", "__hop_", "__session_"} {
			if strings.HasPrefix(name, p) && a.unbounded {
				return nil, true, b.errAt(n, "GROUP BY "+strings.ToUpper(strings.TrimSuffix(strings.TrimPrefix(p, "__"), "_"))+"(ts, size) to use it", "%s needs a group window", strings.ToUpper(strings.TrimPrefix(name, "__")))
			}
			if strings.HasPrefix(name, p) {
				switch strings.TrimPrefix(name, p) {
				case "start":
					return col(a.nKeys), true, nil
				case "end":
					return col(a.nKeys + 1), true, nil
				case "rowtime":
					return col(a.nKeys + 2), true, nil
				}
				return nil, true, b.errAt(n, "use _START, _END or _ROWTIME", "%s is not supported", strings.ToUpper(strings.TrimPrefix(name, "__")))
			}
		}
	}
	if containsAggregate(n) {
		return nil, false, nil
	}
	e, err := a.in.bind(n)
	if err != nil {
		if _, isCol := n.(*ast.ColumnNameExpr); isCol {
			return nil, true, err
		}
		return nil, false, nil
	}
	if c, ok := e.(*expr.Column); ok {
		if o, ok := a.windowIn[c.Index]; ok {
			return col(o), true, nil
		}
	}
	if i, ok := a.groupKeys[exprKey(remap(e, a.toBase))]; ok {
		return col(i), true, nil
	}
	if _, isCol := n.(*ast.ColumnNameExpr); isCol {
		return nil, true, b.errAt(n, "add it to GROUP BY, or wrap it in an aggregate such as MAX(...)", "column '%s' is neither grouped nor aggregated", e.String())
	}
	return nil, false, nil
}

func containsAggregate(n ast.ExprNode) bool {
	c := &aggCollector{}
	n.Accept(c)
	return len(c.calls) > 0
}

// exprKey identifies an expression structurally, with columns by index.
func exprKey(e expr.Expr) string {
	switch x := e.(type) {
	case *expr.Column:
		return fmt.Sprintf("#%d", x.Index)
	case *expr.Literal:
		return fmt.Sprintf("%v:%s", x.Value, x.T)
	case *expr.Call:
		parts := make([]string, len(x.Args))
		for i, a := range x.Args {
			parts[i] = exprKey(a)
		}
		return x.Func + "(" + strings.Join(parts, ",") + ")"
	case *expr.Case:
		var sb strings.Builder
		sb.WriteString("case(")
		if x.Operand != nil {
			sb.WriteString(exprKey(x.Operand))
		}
		for _, w := range x.Whens {
			sb.WriteString(";" + exprKey(w.Cond) + "=>" + exprKey(w.Then))
		}
		if x.Else != nil {
			sb.WriteString(";else " + exprKey(x.Else))
		}
		return sb.String() + ")"
	}
	return e.String()
}

var aggKinds = map[string]exec.AggKind{"count": exec.AggCount, "sum": exec.AggSum, "min": exec.AggMin, "max": exec.AggMax, "avg": exec.AggAvg}

// bindAggregate plans a GROUP BY query. Only windowed aggregation is supported: GROUP BY
// window_start, window_end of a window TVF, or a legacy group window.
func (b *binder) bindAggregate(sel *ast.SelectStmt, input Node, calls []aggCall, src *parser.Source) (Node, error) {
	inScope := input.Schema()
	in := &exprBinder{p: b.p, src: src, schema: inScope, what: describeInput(input)}
	var items []ast.ExprNode
	if sel.GroupBy != nil {
		for _, it := range sel.GroupBy.Items {
			items = append(items, it.Expr)
		}
	}
	var spec exec.WindowSpec
	var partition []int
	var base Node // the input below the window
	windowIn := map[int]int{}
	legacy := false
	var keyItems []ast.ExprNode
	tvf, toTVF, tvfFilters := peelToTVF(input)
	toBase := identity(len(inScope)) // input column -> column of the pre-window input (or window column)
	for _, it := range items {
		if f, ok := it.(*ast.FuncCallExpr); ok && strings.HasPrefix(f.FnName.L, "__group_") {
			if legacy {
				return nil, in.errAt(it, "", "only one group window per query")
			}
			s, _, err := in.windowSpec(f, strings.TrimPrefix(f.FnName.L, "__group_"), f.Args, false)
			if err != nil {
				return nil, err
			}
			spec, legacy, base = s, true, input
			continue
		}
		keyItems = append(keyItems, it)
	}
	var wsSeen, weSeen bool
	// unbounded: a GROUP BY without a window (an updating result), also when the input has
	// window columns but they are not all grouped.
	unbounded := false
	if !legacy && tvf != nil {
		nIn := len(tvf.Input.Schema())
		ws, we := false, false
		for _, it := range keyItems {
			if e, err := in.bind(it); err == nil {
				if c, ok := e.(*expr.Column); ok && toTVF[c.Index] == nIn {
					ws = true
				}
				if c, ok := e.(*expr.Column); ok && toTVF[c.Index] == nIn+1 {
					we = true
				}
			}
		}
		if !ws && !we && tvf.Window.Kind != exec.Session {
			unbounded = true
		}
	}
	if !legacy && (tvf == nil || unbounded) {
		unbounded = true
		base = input
	} else if !legacy {
		spec, partition = tvf.Window, tvf.PartitionKeys
		nIn := len(tvf.Input.Schema())
		toBase = toTVF
		// Filters between the TVF and the aggregation move below the TVF.
		base = tvf.Input
		for _, pred := range tvfFilters {
			for _, c := range columnsOf(pred) {
				if c >= nIn {
					return nil, in.errAt(sel.Where, "filter on window columns after aggregating, in HAVING", "WHERE on window_start/window_end before a window aggregation is not supported")
				}
			}
			base = &Filter{Input: base, Pred: pred}
		}
		var rest []ast.ExprNode
		for _, it := range keyItems {
			e, err := in.bind(it)
			if err != nil {
				return nil, err
			}
			if c, ok := e.(*expr.Column); ok && toBase[c.Index] >= nIn {
				switch toBase[c.Index] - nIn {
				case 0:
					wsSeen = true
				case 1:
					weSeen = true
				}
				continue
			}
			rest = append(rest, it)
		}
		if !wsSeen || !weSeen {
			return nil, in.errAt(sel.GroupBy.Items[0].Expr, "GROUP BY window_start, window_end, <keys>", "a window aggregation must group by both window_start and window_end")
		}
		keyItems = rest
		for i, t := range toBase {
			if t >= nIn {
				windowIn[i] = t - nIn // fixed up below by the number of keys
			}
		}
	}
	baseWidth := len(base.Schema())
	// Pre-projection over base: time column, keys, aggregate arguments, filters.
	var pre []expr.Expr
	preIdx := map[string]int{}
	add := func(e expr.Expr) int {
		k := exprKey(e)
		if i, ok := preIdx[k]; ok {
			return i
		}
		preIdx[k] = len(pre)
		pre = append(pre, e)
		return len(pre) - 1
	}
	checkBase := func(n ast.Node, e expr.Expr) error {
		for _, c := range columnsOf(e) {
			if c >= baseWidth {
				return in.errAt(n, "", "window columns cannot be used inside aggregates or as extra keys")
			}
		}
		return nil
	}
	baseSchema := base.Schema()
	winCols := 0 // window_start, window_end, window_time in the output
	if !unbounded {
		winCols = 3
		add(&expr.Column{Index: spec.TimeCol, Name: baseSchema[spec.TimeCol].Name, T: baseSchema[spec.TimeCol].Type})
	}
	var keys []int
	var keyNames []string
	groupKeys := map[string]int{}
	for _, it := range keyItems {
		e, err := in.bind(it)
		if err != nil {
			return nil, err
		}
		e = remap(e, toBase)
		if err := checkBase(it, e); err != nil {
			return nil, err
		}
		k := exprKey(e)
		if _, dup := groupKeys[k]; dup {
			continue
		}
		groupKeys[k] = len(keys)
		keys = append(keys, add(e))
		name := fmt.Sprintf("$key%d", len(keys)-1)
		if c, ok := e.(*expr.Column); ok {
			name = c.Name
		}
		keyNames = append(keyNames, name)
	}
	for _, pk := range partition {
		if _, ok := groupKeys[fmt.Sprintf("#%d", pk)]; !ok {
			return nil, in.errAt(sel, "GROUP BY window_start, window_end and the PARTITION BY columns", "the SESSION window's PARTITION BY column %s must be grouped", inScope[pk].Name)
		}
	}
	var aggSpecs []exec.AggSpec
	aggOut := map[ast.Node]int{}
	for i, c := range calls {
		kind, ok := aggKinds[strings.ToLower(c.agg.F)]
		if !ok {
			return nil, in.errAt(c.agg, "aggregates: COUNT, SUM, MIN, MAX, AVG", "aggregate %s is not supported", strings.ToUpper(c.agg.F))
		}
		sp := exec.AggSpec{Kind: kind, Arg: -1, Filter: -1, Distinct: c.agg.Distinct, Name: fmt.Sprintf("$agg%d", i)}
		var argType arrow.DataType = arrow.PrimitiveTypes.Int64
		if len(c.agg.Args) > 1 {
			return nil, in.errAt(c.agg, "", "%s takes one argument", strings.ToUpper(c.agg.F))
		}
		if len(c.agg.Args) == 1 {
			e, err := in.bind(c.agg.Args[0])
			if err != nil {
				return nil, err
			}
			e = remap(e, toBase)
			if err := checkBase(c.agg, e); err != nil {
				return nil, err
			}
			if l, ok := e.(*expr.Literal); ok && l.Value != nil && kind == exec.AggCount && !c.agg.Distinct {
				sp.Kind = exec.AggCountStar // COUNT(*) arrives as COUNT(1)
			} else {
				sp.Arg = add(e)
				argType = e.Type()
			}
		} else if kind == exec.AggCount {
			sp.Kind = exec.AggCountStar
		}
		if c.filter != nil {
			fe, err := in.bind(c.filter)
			if err != nil {
				return nil, err
			}
			fe = remap(fe, toBase)
			if fe.Type().ID() != arrow.BOOL {
				return nil, in.errAt(c.filter, "", "FILTER (WHERE ...) needs a BOOLEAN condition")
			}
			if err := checkBase(c.filter, fe); err != nil {
				return nil, err
			}
			sp.Filter = add(fe)
		}
		sp.Name = aggDisplayName(sp.Kind, c.agg.Distinct, pre, sp.Arg, sp.Filter)
		rt, err := exec.AggResultType(sp.Kind, argType)
		if err != nil {
			return nil, in.errAt(c.agg, "CAST the argument to a number", "%v", err)
		}
		sp.Type = rt
		aggOut[c.node] = len(keys) + winCols + len(aggSpecs)
		aggSpecs = append(aggSpecs, sp)
	}
	var carry []int
	for _, name := range b.lateSinkColumns(base) {
		for i, f := range baseSchema {
			if strings.EqualFold(f.Name, name) {
				carry = append(carry, add(&expr.Column{Index: i, Name: f.Name, T: f.Type}))
			}
		}
	}
	preNames := make([]string, len(pre))
	for i, e := range pre {
		preNames[i] = fmt.Sprintf("$%d", i)
		if c, ok := e.(*expr.Column); ok {
			preNames[i] = c.Name
		}
	}
	preNames = dedupeNames(preNames)
	if unbounded {
		if len(pre) == 0 { // a global COUNT(*): keep one column to count rows of
			pre = append(pre, &expr.Literal{Value: true, T: arrow.FixedWidthTypes.Boolean})
			preNames = append(preNames, "$row")
		}
		agg := &Aggregate{Input: &Project{Input: base, Exprs: pre, Names: preNames}, Keys: keys, KeyNames: keyNames, Aggs: aggSpecs}
		ctx := &aggContext{in: in, toBase: toBase, groupKeys: groupKeys, windowIn: map[int]int{}, aggs: aggOut, nKeys: len(keys), unbounded: true}
		return b.bindAggregateOutput(sel, agg, ctx, src)
	}
	spec.TimeCol = 0
	agg := &WindowAggregate{
		Input:    &Project{Input: base, Exprs: pre, Names: preNames},
		Window:   spec,
		Keys:     keys,
		Aggs:     aggSpecs,
		KeyNames: keyNames,
		Carry:    carry,
	}
	for k := range windowIn {
		windowIn[k] += len(keys)
	}
	ctx := &aggContext{in: in, toBase: toBase, groupKeys: groupKeys, windowIn: windowIn, aggs: aggOut, legacy: legacy, nKeys: len(keys)}
	return b.bindAggregateOutput(sel, agg, ctx, src)
}

// bindAggregateOutput binds HAVING and the SELECT list over an aggregation's output.
func (b *binder) bindAggregateOutput(sel *ast.SelectStmt, agg Node, ctx *aggContext, src *parser.Source) (Node, error) {
	out := &exprBinder{p: b.p, src: src, schema: agg.Schema(), agg: ctx, what: "the aggregation"}
	node := agg
	if sel.Having != nil {
		pred, err := out.bind(sel.Having.Expr)
		if err != nil {
			return nil, err
		}
		node = &Filter{Input: node, Pred: pred}
	}
	return b.bindSelectList(sel, out, node)
}

// columnsOf lists the column indexes an expression reads.
func columnsOf(e expr.Expr) []int { return expr.Columns(e) }

// lateSinkColumns names the columns of the 'late.sink' table of the table scanned below n.
func (b *binder) lateSinkColumns(n Node) []string {
	for n != nil {
		if s, ok := n.(*Scan); ok {
			lt := b.p.Cat.Table(s.Table.Options["late.sink"])
			if lt == nil {
				return nil
			}
			var out []string
			for _, c := range lt.Columns {
				out = append(out, c.Name)
			}
			return out
		}
		ins := n.Inputs()
		if len(ins) != 1 {
			return nil
		}
		n = ins[0]
	}
	return nil
}

// aggDisplayName names an aggregate's output column for EXPLAIN, e.g. COUNT(DISTINCT bidder);
// the SELECT list gives the user's names.
func aggDisplayName(k exec.AggKind, distinct bool, pre []expr.Expr, arg, filter int) string {
	name := k.String()
	if k != exec.AggCountStar {
		a := pre[arg].String()
		if distinct {
			a = "DISTINCT " + a
		}
		name += "(" + a + ")"
	}
	if filter >= 0 {
		name += " FILTER (WHERE " + pre[filter].String() + ")"
	}
	return name
}

// peelToTVF finds the window TVF under n through filters and column-only projections (a
// view over a window TVF), with the mapping from n's columns to the TVF's output columns and
// the filters met on the way, rewritten over the TVF's output. tvf is nil when there is none.
func peelToTVF(n Node) (tvf *WindowTVF, toTVF []int, filters []expr.Expr) {
	switch x := n.(type) {
	case *WindowTVF:
		return x, identity(len(x.Schema())), nil
	case *Filter:
		tvf, m, fs := peelToTVF(x.Input)
		if tvf == nil {
			return nil, nil, nil
		}
		return tvf, m, append(fs, remap(x.Pred, m))
	case *Project:
		tvf, m, fs := peelToTVF(x.Input)
		if tvf == nil {
			return nil, nil, nil
		}
		out := make([]int, len(x.Exprs))
		for i, e := range x.Exprs {
			c, ok := e.(*expr.Column)
			if !ok {
				return nil, nil, nil
			}
			out[i] = m[c.Index]
		}
		return tvf, out, fs
	}
	return nil, nil, nil
}
