package planner

import (
	"fmt"
	"strings"
	"time"

	"github.com/eddysql/eddy/connectors"
	"github.com/eddysql/eddy/exec"
	"github.com/eddysql/eddy/exec/expr"
)

// PhysGroupAggregate is a GROUP BY without a window: an updating result.
type PhysGroupAggregate struct {
	Input         PhysNode
	Keys          []int
	Aggs          []exec.AggSpec
	InputUpdating bool
	props         Props
}

// PhysJoin is a join of two inputs; Join.Kind says which operator runs it. Key columns are
// input columns (the planner computes key expressions below the join). For a lookup join
// Right is the scan of the reference table, read whole rather than streamed.
type PhysJoin struct {
	Left, Right         PhysNode
	Join                *Join
	LeftKeys, RightKeys []int
	Residual            expr.Expr // over left ++ right columns
	StateTTL            time.Duration
	props               Props
}

func (n *PhysGroupAggregate) Props() Props       { return n.props }
func (n *PhysJoin) Props() Props                 { return n.props }
func (n *PhysGroupAggregate) Inputs() []PhysNode { return []PhysNode{n.Input} }
func (n *PhysJoin) Inputs() []PhysNode           { return []PhysNode{n.Left, n.Right} }

func stateNote(ttl time.Duration) string {
	if ttl > 0 {
		return "state.ttl=" + ttl.String()
	}
	return "state=unbounded: SET 'table.exec.state.ttl' to bound it"
}

func (n *PhysGroupAggregate) Describe() string {
	in := n.Input.Props().Schema
	var keys, aggs []string
	for _, k := range n.Keys {
		keys = append(keys, in[k].Name)
	}
	for _, a := range n.Aggs {
		aggs = append(aggs, a.Name)
	}
	return fmt.Sprintf("GroupAggregate(groupBy=[%s], select=[%s])", strings.Join(keys, ", "), strings.Join(aggs, ", "))
}

func (n *PhysJoin) Describe() string {
	ls, rs := n.Left.Props().Schema, n.Right.Props().Schema
	var eq []string
	for i, l := range n.LeftKeys {
		eq = append(eq, ls[l].Name+" = "+rs[n.RightKeys[i]].Name)
	}
	s := fmt.Sprintf("joinType=[%s], where=[%s]", n.Join.Type, strings.Join(eq, " AND "))
	if n.Residual != nil {
		s += ", residual=[" + n.Residual.String() + "]"
	}
	switch n.Join.Kind {
	case IntervalJoin:
		return fmt.Sprintf("IntervalJoin(%s, interval=[%s - %s in [%d ms, %d ms]])", s, rs[n.Join.RightTime].Name, ls[n.Join.LeftTime].Name, n.Join.Lower, n.Join.Upper)
	case WindowJoin:
		return fmt.Sprintf("WindowJoin(%s, window=[window_start, window_end])", s)
	case LookupJoin:
		return fmt.Sprintf("LookupJoin(table=[%s], %s)", n.Right.(*PhysScan).Table.Name, s)
	}
	return fmt.Sprintf("Join(%s, %s)", s, stateNote(n.StateTTL))
}

// StateTTL reads 'table.exec.state.ttl' (Flink's duration syntax: '1 h', '30 min', '3600 s',
// '500 ms', '1 d'); 0 when unset.
func (p *Planner) StateTTL() (time.Duration, error) {
	v, ok := p.Cat.Settings["table.exec.state.ttl"]
	if !ok || strings.TrimSpace(v) == "" {
		return 0, nil
	}
	return ParseFlinkDuration(v)
}

// ParseFlinkDuration parses a duration as Flink's configuration writes them.
func ParseFlinkDuration(v string) (time.Duration, error) { return connectors.ParseDuration(v) }

// physicalJoin plans a join: key expressions that are not plain columns are computed below
// the join and dropped above it.
func (p *Planner) physicalJoin(x *Join) (PhysNode, error) {
	left, err := p.physical(x.Left)
	if err != nil {
		return nil, err
	}
	right, err := p.physical(x.Right)
	if err != nil {
		return nil, err
	}
	ls, rs := x.Left.Schema(), x.Right.Schema()
	nl, nr := len(ls), len(rs)
	left, lkeys := withKeyColumns(left, x.LeftKeys)
	if x.Kind == LookupJoin {
		for _, k := range x.RightKeys {
			if _, ok := k.(*expr.Column); !ok {
				return nil, fmt.Errorf("a lookup join needs equality on columns of the reference table")
			}
		}
	}
	right, rkeys := withKeyColumns(right, x.RightKeys)
	extraL := len(left.Props().Schema) - nl
	extraR := len(right.Props().Schema) - nr
	// Residual and bounds over the widened inputs.
	m := make([]int, nl+nr)
	for i := range m {
		m[i] = i
		if i >= nl {
			m[i] = i + extraL
		}
	}
	var residual expr.Expr
	if x.Residual != nil {
		residual = remap(x.Residual, m)
	}
	lm, rm := left.Props().Mode, right.Props().Mode
	mode := Append
	switch x.Kind {
	case RegularJoin:
		if lm == Updating || rm == Updating || x.Type != InnerJoin {
			mode = Updating
		}
	case IntervalJoin, WindowJoin:
		if lm == Updating || rm == Updating {
			return nil, fmt.Errorf("an interval or window join needs append-only inputs; join the updating input with a regular join")
		}
	case LookupJoin:
		mode = lm
	}
	ttl, err := p.StateTTL()
	if err != nil {
		return nil, err
	}
	j := *x
	// Time and window columns keep their positions on the left; on the right they move by
	// the left's extra key columns only in the joined row, not in the right input.
	schema := append(append(Schema{}, left.Props().Schema...), right.Props().Schema...)
	for i := range schema {
		switch x.Kind {
		case IntervalJoin:
			schema[i].RowTime = i == x.LeftTime || i == nl+extraL+x.RightTime
		case LookupJoin:
			schema[i].RowTime = schema[i].RowTime && i < nl
		default:
			schema[i].RowTime = false
		}
	}
	var node PhysNode = &PhysJoin{Left: left, Right: right, Join: &j, LeftKeys: lkeys, RightKeys: rkeys, Residual: residual, StateTTL: ttl,
		props: Props{Schema: schema, Mode: mode, TimeAttr: timeAttr(schema)}}
	if extraL > 0 || extraR > 0 {
		var exprs []expr.Expr
		var names []string
		keep := func(i int) {
			exprs = append(exprs, &expr.Column{Index: i, Name: schema[i].Name, T: schema[i].Type})
			names = append(names, schema[i].Name)
		}
		for i := 0; i < nl; i++ {
			keep(i)
		}
		for i := 0; i < nr; i++ {
			keep(nl + extraL + i)
		}
		out := x.Schema()
		node = &PhysCalc{Input: node, Exprs: exprs, Names: names, props: Props{Schema: out, Mode: mode, TimeAttr: timeAttr(out)}}
	}
	return node, nil
}

// withKeyColumns returns in with the key expressions that are not plain columns appended as
// columns, and the key column indexes.
func withKeyColumns(in PhysNode, keys []expr.Expr) (PhysNode, []int) {
	s := in.Props().Schema
	var idx []int
	var extra []expr.Expr
	for _, k := range keys {
		if c, ok := k.(*expr.Column); ok {
			idx = append(idx, c.Index)
			continue
		}
		idx = append(idx, len(s)+len(extra))
		extra = append(extra, k)
	}
	if len(extra) == 0 {
		return in, idx
	}
	var exprs []expr.Expr
	var names []string
	out := append(Schema{}, s...)
	for i, f := range s {
		exprs = append(exprs, &expr.Column{Index: i, Name: f.Name, T: f.Type})
		names = append(names, f.Name)
	}
	for i, e := range extra {
		exprs = append(exprs, e)
		names = append(names, fmt.Sprintf("$joinkey%d", i))
		out = append(out, Field{Name: names[len(names)-1], Type: e.Type()})
	}
	return &PhysCalc{Input: in, Exprs: exprs, Names: names, props: Props{Schema: out, Mode: in.Props().Mode, TimeAttr: in.Props().TimeAttr}}, idx
}

// physicalAggregate plans an unbounded GROUP BY.
func (p *Planner) physicalAggregate(x *Aggregate) (PhysNode, error) {
	in, err := p.physical(x.Input)
	if err != nil {
		return nil, err
	}
	s := x.Schema()
	return &PhysGroupAggregate{Input: in, Keys: x.Keys, Aggs: x.Aggs, InputUpdating: in.Props().Mode == Updating,
		props: Props{Schema: s, Mode: Updating}}, nil
}
