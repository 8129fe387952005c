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

// binder binds one query (and the views and CTEs it reads) into a logical plan.
type binder struct {
	p    *Planner
	ctes []map[string]cte
	// views being expanded, to refuse a view that reads itself.
	expanding map[string]bool
}

type cte struct {
	query ast.ResultSetNode
	cols  []string
	src   *parser.Source
}

func (p *Planner) newBinder() *binder { return &binder{p: p, expanding: map[string]bool{}} }

// bindQuery binds a SELECT, a UNION or a WITH query.
func (b *binder) bindQuery(q ast.ResultSetNode, src *parser.Source) (Node, error) {
	switch x := q.(type) {
	case *ast.SelectStmt:
		return b.bindSelect(x, src)
	case *ast.SetOprStmt:
		return nil, b.p.errAt(src.PosOf(x), "run the queries separately", "UNION / INTERSECT / EXCEPT are not supported yet")
	case *ast.SubqueryExpr:
		return b.bindQuery(x.Query, src)
	}
	return nil, b.p.errAt(src.PosOf(q), "", "this kind of query (%T) is not supported", q)
}

func (b *binder) withCTEs(w *ast.WithClause, src *parser.Source) func() {
	if w == nil {
		return func() {}
	}
	m := map[string]cte{}
	for _, c := range w.CTEs {
		var cols []string
		for _, n := range c.ColNameList {
			cols = append(cols, n.O)
		}
		m[c.Name.L] = cte{query: c.Query.Query, cols: cols, src: src}
	}
	b.ctes = append(b.ctes, m)
	return func() { b.ctes = b.ctes[:len(b.ctes)-1] }
}

func (b *binder) bindSelect(sel *ast.SelectStmt, src *parser.Source) (Node, error) {
	defer b.withCTEs(sel.With, src)()
	if sel.From == nil || sel.From.TableRefs == nil {
		return nil, b.p.errAt(src.PosOf(sel), "add FROM <table>", "a streaming query needs a FROM clause")
	}
	input, err := b.bindFrom(sel.From.TableRefs, src)
	if err != nil {
		return nil, err
	}
	if sel.Where != nil {
		eb := &exprBinder{p: b.p, src: src, schema: input.Schema(), what: describeInput(input)}
		pred, err := eb.bind(sel.Where)
		if err != nil {
			return nil, err
		}
		if pred.Type().ID() != arrow.BOOL {
			return nil, eb.errAt(sel.Where, "compare the value, e.g. WHERE x > 0", "WHERE needs a BOOLEAN condition, got %s", expr.TypeName(pred.Type()))
		}
		input = &Filter{Input: input, Pred: pred}
	}
	if sel.OrderBy != nil {
		return nil, b.p.errAt(src.PosOf(sel.OrderBy.Items[0].Expr), "remove ORDER BY; a streaming result is emitted in time order of its windows", "ORDER BY is not supported on a stream")
	}
	if sel.Limit != nil {
		return nil, b.p.errAt(src.PosOf(sel), "remove LIMIT", "LIMIT is not supported yet")
	}
	aggs := collectAggregates(sel)
	if sel.Distinct {
		// SELECT DISTINCT a, b is GROUP BY a, b: an updating result.
		cp := *sel
		cp.Distinct = false
		n, err := b.bindSelect2(&cp, input, aggs, src)
		if err != nil {
			return nil, err
		}
		s := n.Schema()
		keys := identity(len(s))
		return &Aggregate{Input: n, Keys: keys, KeyNames: s.Names()}, nil
	}
	return b.bindSelect2(sel, input, aggs, src)
}

// bindSelect2 binds the SELECT list of sel over its bound FROM and WHERE.
func (b *binder) bindSelect2(sel *ast.SelectStmt, input Node, aggs []aggCall, src *parser.Source) (Node, error) {
	if sel.GroupBy != nil || len(aggs) > 0 {
		return b.bindAggregate(sel, input, aggs, src)
	}
	if tvf, _, _ := peelToTVF(input); tvf != nil && tvf.Window.Kind == exec.Session {
		return nil, b.p.errAt(src.PosOf(sel), "aggregate it: GROUP BY window_start, window_end, <keys>", "a SESSION window must be aggregated")
	}
	if wins := collectWindowFuncs(sel); len(wins) > 0 {
		return b.bindOver(sel, input, wins, src)
	}
	eb := &exprBinder{p: b.p, src: src, schema: input.Schema(), what: describeInput(input)}
	return b.bindSelectList(sel, eb, input)
}

// bindSelectList projects the SELECT list over input with eb.
func (b *binder) bindSelectList(sel *ast.SelectStmt, eb *exprBinder, input Node) (Node, error) {
	var exprs []expr.Expr
	var names []string
	for i, f := range sel.Fields.Fields {
		if f.WildCard != nil {
			if eb.agg != nil {
				return nil, eb.errAt(sel, "list the grouped columns and aggregates", "SELECT * is not allowed in a GROUP BY query")
			}
			q := f.WildCard.Table.O
			matched := false
			for j, fld := range eb.schema {
				if eb.over != nil && j >= eb.starWidth {
					break // the OVER functions and their arguments are not part of *
				}
				if q != "" && !strings.EqualFold(fld.Qualifier, q) {
					continue
				}
				matched = true
				exprs = append(exprs, &expr.Column{Index: j, Name: fld.Name, T: fld.Type})
				names = append(names, fld.Name)
			}
			if !matched {
				return nil, eb.errAt(sel, "", "unknown table '%s' in %s.*", q, q)
			}
			continue
		}
		e, err := eb.bind(f.Expr)
		if err != nil {
			return nil, err
		}
		exprs = append(exprs, e)
		names = append(names, outputName(f, i))
	}
	names = dedupeNames(names)
	return &Project{Input: input, Exprs: exprs, Names: names}, nil
}

// outputName: the alias, else a column's own spelling, else Flink's EXPR$i.
func outputName(f *ast.SelectField, i int) string {
	if f.AsName.O != "" {
		return f.AsName.O
	}
	e := f.Expr
	for {
		p, ok := e.(*ast.ParenthesesExpr)
		if !ok {
			break
		}
		e = p.Expr
	}
	if c, ok := e.(*ast.ColumnNameExpr); ok {
		return c.Name.Name.O
	}
	return fmt.Sprintf("EXPR$%d", i)
}

func dedupeNames(names []string) []string {
	seen := map[string]int{}
	out := make([]string, len(names))
	for i, n := range names {
		k := strings.ToLower(n)
		if c, ok := seen[k]; ok {
			seen[k] = c + 1
			n = fmt.Sprintf("%s%d", n, c)
		} else {
			seen[k] = 0
		}
		out[i] = n
	}
	return out
}

func describeInput(n Node) string {
	switch x := n.(type) {
	case *Scan:
		return x.Table.Name
	case *Filter:
		return describeInput(x.Input)
	case *WindowTVF:
		return describeInput(x.Input) + " (with window_start, window_end, window_time)"
	}
	return ""
}

// bindFrom binds the FROM clause: one table, view, CTE, subquery or window TVF.
func (b *binder) bindFrom(j *ast.Join, src *parser.Source) (Node, error) {
	if j.Right != nil {
		return b.bindJoin(j, src)
	}
	ts, ok := j.Left.(*ast.TableSource)
	if !ok {
		if jj, ok := j.Left.(*ast.Join); ok {
			return b.bindFrom(jj, src)
		}
		return nil, b.p.errAt(src.PosOf(j), "", "unsupported FROM clause")
	}
	alias := ts.AsName.O
	switch s := ts.Source.(type) {
	case *ast.TableName:
		return b.bindTableName(s, alias, src)
	case *ast.SelectStmt:
		if isWindowTVF(s) {
			return b.bindWindowTVF(s, alias, src)
		}
		n, err := b.bindSelect(s, src)
		if err != nil {
			return nil, err
		}
		return qualify(n, alias), nil
	case *ast.SetOprStmt:
		return b.bindQuery(s, src)
	}
	return nil, b.p.errAt(src.PosOf(ts), "", "unsupported FROM item %T", ts.Source)
}

// qualify renames the qualifier of n's output columns (a subquery or view alias).
func qualify(n Node, alias string) Node {
	if alias == "" {
		return n
	}
	if p, ok := n.(*Project); ok {
		cp := *p
		cp.Qualifier = alias
		return &cp
	}
	s := n.Schema()
	exprs := make([]expr.Expr, len(s))
	for i, f := range s {
		exprs[i] = &expr.Column{Index: i, Name: f.Name, T: f.Type}
	}
	return &Project{Input: n, Exprs: exprs, Names: s.Names(), Qualifier: alias}
}

func (b *binder) bindTableName(tn *ast.TableName, alias string, src *parser.Source) (Node, error) {
	name := tn.Name.O
	for i := len(b.ctes) - 1; i >= 0; i-- {
		if c, ok := b.ctes[i][strings.ToLower(name)]; ok {
			n, err := b.bindQuery(c.query, c.src)
			if err != nil {
				return nil, err
			}
			n = renameColumns(n, c.cols)
			if alias == "" {
				alias = name
			}
			return qualify(n, alias), nil
		}
	}
	if t := b.p.Cat.Table(name); t != nil {
		if alias == "" {
			alias = t.Name
		}
		cols := make([]int, len(t.Columns))
		for i := range cols {
			cols[i] = i
		}
		return &Scan{Table: t, Alias: alias, Cols: cols}, nil
	}
	if v := b.p.Cat.View(name); v != nil {
		key := strings.ToLower(v.Name)
		if b.expanding[key] {
			return nil, b.p.errAt(src.PosOf(tn), "", "view '%s' refers to itself", v.Name)
		}
		b.expanding[key] = true
		defer delete(b.expanding, key)
		n, err := b.bindQuery(v.Query.Node, v.Query.Src)
		if err != nil {
			return nil, err
		}
		n = renameColumns(n, v.Columns)
		if alias == "" {
			alias = v.Name
		}
		return qualify(n, alias), nil
	}
	return nil, b.p.errAt(src.PosOf(tn), b.p.relationHint(), "unknown table '%s'", name)
}

func renameColumns(n Node, cols []string) Node {
	if len(cols) == 0 {
		return n
	}
	s := n.Schema()
	exprs := make([]expr.Expr, len(s))
	names := s.Names()
	for i, f := range s {
		exprs[i] = &expr.Column{Index: i, Name: f.Name, T: f.Type}
		if i < len(cols) {
			names[i] = cols[i]
		}
	}
	return &Project{Input: n, Exprs: exprs, Names: names}
}

// isWindowTVF recognises the parser's rewrite of TABLE(TUMBLE(TABLE t, ...)):
// (SELECT * FROM t WHERE __window_tumble(...)).
func isWindowTVF(s *ast.SelectStmt) bool {
	f, ok := s.Where.(*ast.FuncCallExpr)
	return ok && strings.HasPrefix(f.FnName.L, "__window_")
}

func (b *binder) bindWindowTVF(s *ast.SelectStmt, alias string, src *parser.Source) (Node, error) {
	call := s.Where.(*ast.FuncCallExpr)
	input, err := b.bindFrom(s.From.TableRefs, src)
	if err != nil {
		return nil, err
	}
	eb := &exprBinder{p: b.p, src: src, schema: input.Schema(), what: describeInput(input)}
	kind := strings.TrimPrefix(call.FnName.L, "__window_")
	spec, keys, err := eb.windowSpec(call, kind, call.Args, true)
	if err != nil {
		return nil, err
	}
	return &WindowTVF{Input: input, Window: spec, PartitionKeys: keys, Alias: alias}, nil
}

// windowSpec reads the arguments of a window TVF marker (tvf=true: DESCRIPTOR(ts) first) or
// of a legacy group window (ts first).
func (eb *exprBinder) windowSpec(call ast.Node, kind string, args []ast.ExprNode, tvf bool) (exec.WindowSpec, []int, error) {
	var spec exec.WindowSpec
	usage := map[string]string{
		"tumble":   "TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL '10' SECOND [, offset])",
		"hop":      "HOP(TABLE t, DESCRIPTOR(ts), slide, size [, offset])",
		"cumulate": "CUMULATE(TABLE t, DESCRIPTOR(ts), step, size [, offset])",
		"session":  "SESSION(TABLE t PARTITION BY k, DESCRIPTOR(ts), gap)",
	}[kind]
	if !tvf {
		usage = map[string]string{
			"tumble": "TUMBLE(ts, INTERVAL '1' MINUTE)", "hop": "HOP(ts, slide, size)", "session": "SESSION(ts, gap)",
		}[kind]
	}
	if usage == "" {
		return spec, nil, eb.errAt(call, "windows: TUMBLE, HOP, CUMULATE, SESSION", "unknown window %s", strings.ToUpper(kind))
	}
	var keys []int
	var rest []ast.ExprNode
	for _, a := range args {
		if f, ok := a.(*ast.FuncCallExpr); ok && f.FnName.L == "__partition_by" {
			for _, k := range f.Args {
				e, err := eb.bind(k)
				if err != nil {
					return spec, nil, err
				}
				c, ok := e.(*expr.Column)
				if !ok {
					return spec, nil, eb.errAt(k, "", "PARTITION BY takes column names")
				}
				keys = append(keys, c.Index)
			}
			continue
		}
		rest = append(rest, a)
	}
	if len(rest) < 2 {
		return spec, nil, eb.errAt(call, "write "+usage, "%s needs a time column and a size", strings.ToUpper(kind))
	}
	timeArg := rest[0]
	if f, ok := timeArg.(*ast.FuncCallExpr); ok && f.FnName.L == "__descriptor" && len(f.Args) == 1 {
		timeArg = f.Args[0]
	} else if tvf {
		return spec, nil, eb.errAt(timeArg, "write "+usage, "the time column of a window goes in DESCRIPTOR(...)")
	}
	te, err := eb.bind(timeArg)
	if err != nil {
		return spec, nil, err
	}
	tc, ok := te.(*expr.Column)
	if !ok || !eb.schema[tc.Index].RowTime && !eb.schema[tc.Index].ProcTime {
		hint := "declare it in the table: WATERMARK FOR ts AS ts - INTERVAL '5' SECOND, or use a PROCTIME() column for processing time"
		return spec, nil, eb.errAt(timeArg, hint, "%s is not a time attribute (a column with a WATERMARK, or PROCTIME())", te.String())
	}
	spec.TimeCol = tc.Index
	spec.ProcTime = !eb.schema[tc.Index].RowTime
	var ms []int64
	for _, a := range rest[1:] {
		v, err := eb.intervalMillis(a)
		if err != nil {
			return spec, nil, err
		}
		ms = append(ms, v)
	}
	switch kind {
	case "tumble":
		spec.Kind, spec.Size = exec.Tumble, ms[0]
		if len(ms) > 1 {
			spec.Offset = ms[1]
		}
	case "hop":
		if len(ms) < 2 {
			return spec, nil, eb.errAt(call, "write "+usage, "HOP needs a slide and a size")
		}
		spec.Kind, spec.Slide, spec.Size = exec.Hop, ms[0], ms[1]
		if len(ms) > 2 {
			spec.Offset = ms[2]
		}
	case "cumulate":
		if len(ms) < 2 {
			return spec, nil, eb.errAt(call, "write "+usage, "CUMULATE needs a step and a size")
		}
		spec.Kind, spec.Slide, spec.Size = exec.Cumulate, ms[0], ms[1]
		if len(ms) > 2 {
			spec.Offset = ms[2]
		}
	case "session":
		spec.Kind, spec.Gap = exec.Session, ms[0]
	}
	if err := spec.Validate(); err != nil {
		return spec, nil, eb.errAt(call, "write "+usage, "%v", err)
	}
	return spec, keys, nil
}
