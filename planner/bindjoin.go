package planner

import (
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/eddysql/eddy/exec/expr"
	"github.com/eddysql/eddy/parser"
)

// bindJoin binds `left JOIN right ON cond` and decides how the join runs: a lookup join
// when the right side is read FOR SYSTEM_TIME AS OF, a window join when both sides are
// windowed and joined on window_start and window_end, an interval join when the condition
// bounds one side's time attribute by the other's, else a regular join.
func (b *binder) bindJoin(j *ast.Join, src *parser.Source) (Node, error) {
	left, err := b.bindFrom(&ast.Join{Left: j.Left}, src)
	if err != nil {
		return nil, err
	}
	lookup := false
	if ts, ok := j.Right.(*ast.TableSource); ok {
		if tn, ok := ts.Source.(*ast.TableName); ok && tn.AsOf != nil {
			lookup = true
		}
	}
	right, err := b.bindFrom(&ast.Join{Left: j.Right}, src)
	if err != nil {
		return nil, err
	}
	join := &Join{Left: left, Right: right, Type: InnerJoin}
	switch j.Tp {
	case ast.LeftJoin:
		join.Type = LeftJoin
	case ast.RightJoin:
		join.Type = RightJoin
	}
	schema := append(append(Schema{}, left.Schema()...), right.Schema()...)
	eb := &exprBinder{p: b.p, src: src, schema: schema, what: "the join"}
	var on ast.ExprNode
	if j.On != nil {
		on = j.On.Expr
		if f, ok := on.(*ast.FuncCallExpr); ok && f.FnName.L == "__full_join" && len(f.Args) == 1 {
			join.Type, on = FullJoin, f.Args[0]
		}
	}
	var cond expr.Expr
	if on != nil {
		if cond, err = eb.bind(on); err != nil {
			return nil, err
		}
		if cond.Type().ID() != arrow.BOOL {
			return nil, eb.errAt(on, "compare columns, e.g. ON a.id = b.id", "the join condition must be BOOLEAN, got %s", expr.TypeName(cond.Type()))
		}
	}
	for _, u := range j.Using {
		l := (&exprBinder{schema: left.Schema()}).find(u.Name.L)
		r := (&exprBinder{schema: right.Schema()}).find(u.Name.L)
		if l < 0 || r < 0 {
			return nil, b.p.errAt(src.PosOf(j), "name a column both sides have", "USING (%s): the column is not on both sides", u.Name.O)
		}
		nl := len(left.Schema())
		eq, err := expr.NewCall("=", &expr.Column{Index: l, Name: schema[l].Name, T: schema[l].Type}, &expr.Column{Index: nl + r, Name: schema[nl+r].Name, T: schema[nl+r].Type})
		if err != nil {
			return nil, b.p.errAt(src.PosOf(j), "", "USING (%s): %v", u.Name.O, err)
		}
		cond = and(cond, eq)
	}
	if lookup {
		if _, ok := right.(*Scan); !ok {
			return nil, b.p.errAt(src.PosOf(j.Right), "name a table declared with CREATE TABLE", "FOR SYSTEM_TIME AS OF needs a table, not a view or query")
		}
		if join.Type != InnerJoin && join.Type != LeftJoin {
			return nil, b.p.errAt(src.PosOf(j), "use JOIN or LEFT JOIN", "a lookup join (FOR SYSTEM_TIME AS OF) is an inner or a LEFT join")
		}
		join.Kind = LookupJoin
	}
	join.Cond = cond
	if on != nil {
		if err := checkKeyTypes(on, eb, len(left.Schema())); err != nil {
			return nil, err
		}
	}
	if err := b.splitJoinCondition(join, on, eb); err != nil {
		return nil, err
	}
	if lookup {
		for _, k := range join.RightKeys {
			if _, ok := k.(*expr.Column); !ok {
				return nil, eb.errAt(on, "compare reference table columns as they are: ON s.k = d.k", "a lookup join needs equality on columns of the reference table")
			}
		}
		if len(join.RightKeys) == 0 {
			return nil, eb.errAt(on, "add ON s.key = d.key", "a lookup join needs an equality condition on the reference table's key")
		}
	}
	return join, nil
}

// find is the index of the column named name in the binder's schema, -1 when absent.
func (b *exprBinder) find(name string) int {
	for i, f := range b.schema {
		if strings.EqualFold(f.Name, name) {
			return i
		}
	}
	return -1
}

// conjuncts splits e at its ANDs.
func conjuncts(e expr.Expr) []expr.Expr {
	if c, ok := e.(*expr.Call); ok && c.Func == "and" && len(c.Args) == 2 {
		return append(conjuncts(c.Args[0]), conjuncts(c.Args[1])...)
	}
	if e == nil {
		return nil
	}
	return []expr.Expr{e}
}

// sideOf says which inputs an expression reads: 1 left only, 2 right only, 3 both, 0 none.
func sideOf(e expr.Expr, nLeft int) int {
	s := 0
	for _, c := range columnsOf(e) {
		if c < nLeft {
			s |= 1
		} else {
			s |= 2
		}
	}
	return s
}

// splitJoinCondition fills the join's keys, time bounds or window columns and residual.
func (b *binder) splitJoinCondition(j *Join, on ast.ExprNode, eb *exprBinder) error {
	if err := splitJoin(j); err != nil {
		return eb.errAt(on, "check the bounds of the time condition", "%v", err)
	}
	return nil
}

// splitJoin fills the join's keys, time bounds or window columns and residual from Cond.
func splitJoin(j *Join) error {
	ls, rs := j.Left.Schema(), j.Right.Schema()
	nl := len(ls)
	toRight := make([]int, nl+len(rs))
	for i := range toRight {
		toRight[i] = i - nl
	}
	var rest []expr.Expr
	for _, c := range conjuncts(j.Cond) {
		call, ok := c.(*expr.Call)
		if ok && call.Func == "=" && len(call.Args) == 2 {
			a, z := call.Args[0], call.Args[1]
			sa, sz := sideOf(a, nl), sideOf(z, nl)
			if sa == 2 && sz == 1 {
				a, z, sa, sz = z, a, sz, sa
			}
			if sa == 1 && sz == 2 {
				j.LeftKeys = append(j.LeftKeys, a)
				j.RightKeys = append(j.RightKeys, remap(z, toRight))
				continue
			}
		}
		rest = append(rest, c)
	}
	if j.Kind == LookupJoin {
		j.Residual = andAll(rest)
		return nil
	}
	// A window join: both sides windowed, keys include window_start and window_end.
	ls0, le0, rs0, re0 := -1, -1, -1, -1
	var keepL, keepR []expr.Expr
	for i, lk := range j.LeftKeys {
		lc, lok := lk.(*expr.Column)
		rc, rok := j.RightKeys[i].(*expr.Column)
		if lok && rok {
			ln, rn := strings.ToLower(ls[lc.Index].Name), strings.ToLower(rs[rc.Index].Name)
			if ln == "window_start" && rn == "window_start" {
				ls0, rs0 = lc.Index, rc.Index
				continue
			}
			if ln == "window_end" && rn == "window_end" {
				le0, re0 = lc.Index, rc.Index
				continue
			}
		}
		keepL = append(keepL, lk)
		keepR = append(keepR, j.RightKeys[i])
	}
	if ls0 >= 0 && le0 >= 0 && hasWindowColumns(ls) && hasWindowColumns(rs) {
		j.Kind = WindowJoin
		j.LeftKeys, j.RightKeys = keepL, keepR
		j.LeftStart, j.LeftEnd, j.RightStart, j.RightEnd = ls0, le0, rs0, re0
		j.Residual = andAll(rest)
		return nil
	}
	// An interval join: bounds on right.time - left.time from the remaining conjuncts.
	lt, rt := ls.RowTimeIndex(), rs.RowTimeIndex()
	if lt >= 0 && rt >= 0 {
		lower, upper := int64(minInt64), int64(maxInt64)
		var other []expr.Expr
		found := false
		for _, c := range rest {
			lo, hi, ok := timeBound(c, lt, nl+rt)
			if !ok {
				other = append(other, c)
				continue
			}
			found = true
			lower, upper = max(lower, lo), min(upper, hi)
		}
		if found && lower > minInt64 && upper < maxInt64 {
			j.Kind = IntervalJoin
			j.LeftTime, j.RightTime = lt, rt
			j.Lower, j.Upper = lower, upper
			j.Residual = andAll(other)
			if lower > upper {
				return fmt.Errorf("the time condition of this interval join can never hold (right - left time in [%d ms, %d ms])", lower, upper)
			}
			return nil
		}
	}
	j.Residual = andAll(rest)
	return nil
}

const (
	minInt64 = -1 << 63
	maxInt64 = 1<<63 - 1
)

func hasWindowColumns(s Schema) bool {
	n := 0
	for _, f := range s {
		switch strings.ToLower(f.Name) {
		case "window_start", "window_end":
			n++
		}
	}
	return n >= 2
}

// checkKeyTypes refuses an equality between a left and a right expression of different
// types in the ON condition: the user must say which way to convert.
func checkKeyTypes(on ast.ExprNode, eb *exprBinder, nLeft int) error {
	switch x := on.(type) {
	case *ast.ParenthesesExpr:
		return checkKeyTypes(x.Expr, eb, nLeft)
	case *ast.BinaryOperationExpr:
		switch x.Op.String() {
		case "and":
			if err := checkKeyTypes(x.L, eb, nLeft); err != nil {
				return err
			}
			return checkKeyTypes(x.R, eb, nLeft)
		case "eq":
			a, err := eb.bind(x.L)
			if err != nil {
				return err
			}
			z, err := eb.bind(x.R)
			if err != nil {
				return err
			}
			sa, sz := sideOf(a, nLeft), sideOf(z, nLeft)
			if (sa == 1 && sz == 2 || sa == 2 && sz == 1) && !typesEqual(a.Type(), z.Type()) {
				lt, rt := eb.text(x.L), eb.text(x.R)
				return eb.errAt(x, fmt.Sprintf("CAST one side so both have the same type, e.g. CAST(%s AS %s) = %s", lt, expr.TypeName(z.Type()), rt),
					"join keys of different types: %s is %s, %s is %s", lt, expr.TypeName(a.Type()), rt, expr.TypeName(z.Type()))
			}
		}
	}
	return nil
}

func andAll(es []expr.Expr) expr.Expr {
	var out expr.Expr
	for _, e := range es {
		out = and(out, e)
	}
	return out
}

// timeBound reads a comparison between the left time column lt and the right one rt (each
// optionally plus or minus a constant interval) as bounds on right - left, in ms.
func timeBound(c expr.Expr, lt, rt int) (lo, hi int64, ok bool) {
	call, isCall := c.(*expr.Call)
	if !isCall || len(call.Args) != 2 {
		return 0, 0, false
	}
	ac, ad, aok := timeTerm(call.Args[0])
	zc, zd, zok := timeTerm(call.Args[1])
	if !aok || !zok {
		return 0, 0, false
	}
	op := call.Func
	// Normalise to: right + rd  op  left + ld.
	var rd, ld int64
	switch {
	case ac == rt && zc == lt:
		rd, ld = ad, zd
	case ac == lt && zc == rt:
		rd, ld = zd, ad
		op = flipComparison(op)
	default:
		return 0, 0, false
	}
	// right - left  op  ld - rd
	return rangeOf(op, ld-rd, minInt64)
}

// flipComparison is the comparison with its sides swapped: a < b is b > a.
func flipComparison(op string) string {
	return map[string]string{"<": ">", "<=": ">=", ">": "<", ">=": "<=", "=": "="}[op]
}

// rangeOf reads `x op v` as the range [lo, hi] of x (inclusive), starting from [floor, max].
func rangeOf(op string, v, floor int64) (lo, hi int64, ok bool) {
	lo, hi = floor, maxInt64
	switch op {
	case "=":
		lo, hi = v, v
	case ">=":
		lo = v
	case ">":
		lo = v + 1
	case "<=":
		hi = v
	case "<":
		hi = v - 1
	default:
		return 0, 0, false
	}
	return lo, hi, true
}

// timeTerm reads `col`, `col + interval` or `col - interval`.
func timeTerm(e expr.Expr) (col int, delta int64, ok bool) {
	switch x := e.(type) {
	case *expr.Column:
		return x.Index, 0, true
	case *expr.Call:
		if (x.Func == "+" || x.Func == "-") && len(x.Args) == 2 {
			c, ok := x.Args[0].(*expr.Column)
			l, lok := x.Args[1].(*expr.Literal)
			if !ok || !lok {
				return 0, 0, false
			}
			v, isInt := l.Value.(int64)
			if !isInt {
				return 0, 0, false
			}
			if x.Func == "-" {
				v = -v
			}
			return c.Index, v, true
		}
	}
	return 0, 0, false
}

// text is the user's spelling of n.
func (b *exprBinder) text(n ast.Node) string {
	if c, ok := n.(*ast.ColumnNameExpr); ok {
		if c.Name.Table.O != "" {
			return c.Name.Table.O + "." + c.Name.Name.O
		}
		return c.Name.Name.O
	}
	if b.src != nil {
		if t := strings.TrimSpace(b.src.UserText(n)); t != "" {
			return t
		}
	}
	return fmt.Sprint(n)
}
