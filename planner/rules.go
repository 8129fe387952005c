package planner

import (
	"fmt"
	"time"

	"github.com/eddysql/eddy/exec"
	"github.com/eddysql/eddy/exec/expr"
)

// Rule is a named rewrite of the logical plan. Apply returns the new root and whether it
// changed anything. A rule must not change the root's schema; Optimize checks that.
type Rule struct {
	Name  string
	Apply func(Node) (Node, bool)
}

// Rules are applied in this order.
var Rules = []Rule{
	{Name: "MergeFilters", Apply: transformUp(mergeFilters)},
	{Name: "PushFilterThroughProject", Apply: transformUp(pushFilterThroughProject)},
	{Name: "RowNumberToRank", Apply: transformUp(rowNumberToRank)},
	{Name: "PushFilterIntoJoin", Apply: transformUp(pushFilterIntoJoin)},
	{Name: "PushFilterBelowWindow", Apply: transformUp(pushFilterBelowWindow)},
	{Name: "MergeFilters", Apply: transformUp(mergeFilters)},
	{Name: "PushFilterIntoScan", Apply: transformUp(pushFilterIntoScan)},
	{Name: "PruneColumns", Apply: pruneColumns},
	{Name: "RemoveIdentityProject", Apply: transformUp(removeIdentityProject)},
}

// RuleTiming is how long one rule took.
type RuleTiming struct {
	Name  string
	Fired bool
	Took  time.Duration
}

// Optimize applies the rules not switched off in p.DisabledRules.
func (p *Planner) Optimize(n Node) (Node, []RuleTiming, error) {
	want := n.Schema()
	var timings []RuleTiming
	for _, r := range Rules {
		if p.DisabledRules[r.Name] {
			continue
		}
		start := time.Now()
		out, fired := r.Apply(n)
		timings = append(timings, RuleTiming{Name: r.Name, Fired: fired, Took: time.Since(start)})
		if fired {
			if !out.Schema().sameAs(want) {
				return nil, nil, fmt.Errorf("internal error: rule %s changed the plan's schema from %v to %v", r.Name, want.Names(), out.Schema().Names())
			}
			p.RulesFired = append(p.RulesFired, r.Name)
			n = out
		}
	}
	return n, timings, nil
}

// transformUp applies f to every node, children first, until f reports no change.
func transformUp(f func(Node) (Node, bool)) func(Node) (Node, bool) {
	var walk func(Node) (Node, bool)
	walk = func(n Node) (Node, bool) {
		changed := false
		ins := n.Inputs()
		if len(ins) > 0 {
			newIns := make([]Node, len(ins))
			for i, in := range ins {
				c, ch := walk(in)
				newIns[i] = c
				changed = changed || ch
			}
			if changed {
				n = withInputs(n, newIns)
			}
		}
		for {
			out, ch := f(n)
			if !ch {
				break
			}
			changed = true
			// The rewrite may expose a new match below; walk again.
			n, _ = walk(out)
		}
		return n, changed
	}
	return walk
}

func withInputs(n Node, ins []Node) Node {
	switch x := n.(type) {
	case *Filter:
		c := *x
		c.Input = ins[0]
		return &c
	case *Project:
		c := *x
		c.Input = ins[0]
		return &c
	case *WindowTVF:
		c := *x
		c.Input = ins[0]
		return &c
	case *WindowAggregate:
		c := *x
		c.Input = ins[0]
		return &c
	case *Aggregate:
		c := *x
		c.Input = ins[0]
		return &c
	case *Join:
		c := *x
		c.Left, c.Right = ins[0], ins[1]
		return &c
	case *Over:
		c := *x
		c.Input = ins[0]
		return &c
	case *Rank:
		c := *x
		c.Input = ins[0]
		return &c
	}
	return n
}

func and(a, b expr.Expr) expr.Expr {
	if a == nil {
		return b
	}
	e, err := expr.NewCall("and", a, b)
	if err != nil {
		panic("planner: AND of two predicates: " + err.Error()) // both are BOOLEAN by construction
	}
	return e
}

func mergeFilters(n Node) (Node, bool) {
	f, ok := n.(*Filter)
	if !ok {
		return n, false
	}
	in, ok := f.Input.(*Filter)
	if !ok {
		return n, false
	}
	return &Filter{Input: in.Input, Pred: and(in.Pred, f.Pred)}, true
}

// deterministic reports whether e gives the same value for the same row every time.
func deterministic(e expr.Expr) bool {
	ok := true
	expr.Walk(e, func(x expr.Expr) {
		if c, isCall := x.(*expr.Call); isCall {
			switch c.Func {
			case "current_timestamp", "now", "localtimestamp", "current_date", "rand", "rand_integer", "uuid", "unix_timestamp", "proctime":
				ok = false
			}
		}
	})
	return ok
}

// substitute replaces each column i of e with exprs[i].
func substitute(e expr.Expr, exprs []expr.Expr) expr.Expr {
	return expr.Substitute(e, func(c *expr.Column) expr.Expr { return exprs[c.Index] })
}

// remap renumbers the columns of e: column i becomes m[i].
func remap(e expr.Expr, m []int) expr.Expr { return expr.RemapColumns(e, m) }

func pushFilterThroughProject(n Node) (Node, bool) {
	f, ok := n.(*Filter)
	if !ok {
		return n, false
	}
	p, ok := f.Input.(*Project)
	if !ok {
		return n, false
	}
	for _, c := range columnsOf(f.Pred) {
		if !deterministic(p.Exprs[c]) {
			return n, false
		}
	}
	np := *p
	np.Input = &Filter{Input: p.Input, Pred: substitute(f.Pred, p.Exprs)}
	return &np, true
}

func pushFilterBelowWindow(n Node) (Node, bool) {
	f, ok := n.(*Filter)
	if !ok {
		return n, false
	}
	w, ok := f.Input.(*WindowTVF)
	if !ok {
		return n, false
	}
	width := len(w.Input.Schema())
	for _, c := range columnsOf(f.Pred) {
		if c >= width {
			return n, false
		}
	}
	nw := *w
	nw.Input = &Filter{Input: w.Input, Pred: f.Pred}
	return &nw, true
}

func pushFilterIntoScan(n Node) (Node, bool) {
	f, ok := n.(*Filter)
	if !ok {
		return n, false
	}
	s, ok := f.Input.(*Scan)
	if !ok {
		return n, false
	}
	ns := *s
	ns.Filter = and(s.Filter, remap(f.Pred, s.Cols))
	return &ns, true
}

func removeIdentityProject(n Node) (Node, bool) {
	p, ok := n.(*Project)
	if !ok {
		return n, false
	}
	in := p.Input.Schema()
	if len(p.Exprs) != len(in) {
		return n, false
	}
	for i, e := range p.Exprs {
		c, ok := e.(*expr.Column)
		if !ok || c.Index != i || c.Name != in[i].Name || p.Names[i] != in[i].Name {
			return n, false
		}
	}
	if p.Qualifier != "" {
		return n, false
	}
	return p.Input, true
}

// pruneColumns makes every node below the root produce only the columns used above it,
// and scans read only those (plus what their watermark and filter need).
func pruneColumns(root Node) (Node, bool) {
	all := make([]bool, len(root.Schema()))
	for i := range all {
		all[i] = true
	}
	out, _, changed := prune(root, all)
	return out, changed
}

// prune returns n rewritten to produce at least the required columns, and a mapping from
// n's old column indexes to the new ones (-1 for a dropped column).
func prune(n Node, required []bool) (Node, []int, bool) {
	switch x := n.(type) {
	case *Scan:
		var cols []int
		m := make([]int, len(x.Cols))
		for i, c := range x.Cols {
			m[i] = -1
			if required[i] {
				m[i] = len(cols)
				cols = append(cols, c)
			}
		}
		if len(cols) == len(x.Cols) {
			return n, m, false
		}
		ns := *x
		ns.Cols = cols
		return &ns, m, true
	case *Filter:
		req := append([]bool{}, required...)
		for _, c := range columnsOf(x.Pred) {
			req[c] = true
		}
		in, m, ch := prune(x.Input, req)
		if !ch {
			return n, identity(len(required)), false
		}
		return &Filter{Input: in, Pred: remap(x.Pred, m)}, m, true
	case *Project:
		var exprs []expr.Expr
		var names []string
		m := make([]int, len(x.Exprs))
		req := make([]bool, len(x.Input.Schema()))
		for i, e := range x.Exprs {
			m[i] = -1
			if required[i] {
				m[i] = len(exprs)
				exprs = append(exprs, e)
				names = append(names, x.Names[i])
				for _, c := range columnsOf(e) {
					req[c] = true
				}
			}
		}
		in, im, ch := prune(x.Input, req)
		if !ch && len(exprs) == len(x.Exprs) {
			return n, m, false
		}
		for i := range exprs {
			exprs[i] = remap(exprs[i], im)
		}
		return &Project{Input: in, Exprs: exprs, Names: names, Qualifier: x.Qualifier}, m, true
	case *WindowTVF:
		width := len(x.Input.Schema())
		req := append([]bool{}, required[:width]...)
		req[x.Window.TimeCol] = true
		for _, k := range x.PartitionKeys {
			req[k] = true
		}
		in, im, ch := prune(x.Input, req)
		if !ch {
			return n, identity(len(required)), false
		}
		nw := *x
		nw.Input = in
		nw.Window.TimeCol = im[x.Window.TimeCol]
		nw.PartitionKeys = nil
		for _, k := range x.PartitionKeys {
			nw.PartitionKeys = append(nw.PartitionKeys, im[k])
		}
		newWidth := len(in.Schema())
		m := make([]int, len(required))
		copy(m, im)
		for j := 0; j < 3; j++ {
			m[width+j] = newWidth + j
		}
		return &nw, m, true
	case *WindowAggregate:
		req := aggInputs(len(x.Input.Schema()), x.Keys, x.Aggs)
		req[x.Window.TimeCol] = true
		for _, c := range x.Carry {
			req[c] = true
		}
		in, im, ch := prune(x.Input, req)
		if !ch {
			return n, identity(len(required)), false
		}
		na := *x
		na.Input = in
		na.Window.TimeCol = im[x.Window.TimeCol]
		na.Keys, na.Carry = nil, nil
		for _, k := range x.Keys {
			na.Keys = append(na.Keys, im[k])
		}
		for _, c := range x.Carry {
			na.Carry = append(na.Carry, im[c])
		}
		na.Aggs = remapAggs(x.Aggs, im)
		return &na, identity(len(required)), true
	case *Aggregate:
		req := aggInputs(len(x.Input.Schema()), x.Keys, x.Aggs)
		if !slicesContain(req, true) && len(req) > 0 {
			req[0] = true // COUNT(*) still needs rows
		}
		in, im, ch := prune(x.Input, req)
		if !ch {
			return n, identity(len(required)), false
		}
		na := *x
		na.Input = in
		na.Keys = nil
		for _, k := range x.Keys {
			na.Keys = append(na.Keys, im[k])
		}
		na.Aggs = remapAggs(x.Aggs, im)
		return &na, identity(len(required)), true
	}
	// Other nodes keep all their input columns; prune inside their inputs.
	ins := n.Inputs()
	if len(ins) == 0 {
		return n, identity(len(required)), false
	}
	changed := false
	newIns := make([]Node, len(ins))
	for i, in := range ins {
		all := make([]bool, len(in.Schema()))
		for k := range all {
			all[k] = true
		}
		c, _, ch := prune(in, all)
		newIns[i] = c
		changed = changed || ch
	}
	if !changed {
		return n, identity(len(required)), false
	}
	return withInputs(n, newIns), identity(len(required)), true
}

func slicesContain(s []bool, v bool) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func identity(n int) []int {
	m := make([]int, n)
	for i := range m {
		m[i] = i
	}
	return m
}

// aggInputs marks the input columns an aggregation reads: keys, arguments and filters.
func aggInputs(width int, keys []int, aggs []exec.AggSpec) []bool {
	req := make([]bool, width)
	for _, k := range keys {
		req[k] = true
	}
	for _, a := range aggs {
		if a.Arg >= 0 {
			req[a.Arg] = true
		}
		if a.Filter >= 0 {
			req[a.Filter] = true
		}
	}
	return req
}

// remapAggs renumbers the argument and filter columns of aggregates: column i becomes m[i].
func remapAggs(aggs []exec.AggSpec, m []int) []exec.AggSpec {
	out := append(aggs[:0:0], aggs...)
	for i := range out {
		if out[i].Arg >= 0 {
			out[i].Arg = m[out[i].Arg]
		}
		if out[i].Filter >= 0 {
			out[i].Filter = m[out[i].Filter]
		}
	}
	return out
}

// pushFilterIntoJoin moves a WHERE over an inner regular join into it: a condition on one
// side filters that side's input, one on both sides joins the condition (where its
// equalities become join keys and time bounds may make it an interval join), so that
// `FROM a, b WHERE a.id = b.a_id` is not a cross join.
func pushFilterIntoJoin(n Node) (Node, bool) {
	f, ok := n.(*Filter)
	if !ok {
		return n, false
	}
	j, ok := f.Input.(*Join)
	if !ok || j.Type != InnerJoin || j.Kind != RegularJoin {
		return n, false
	}
	nl := len(j.Left.Schema())
	toRight := make([]int, nl+len(j.Right.Schema()))
	for i := range toRight {
		toRight[i] = i - nl
	}
	nj := *j
	var keep []expr.Expr
	for _, c := range conjuncts(f.Pred) {
		if !deterministic(c) {
			keep = append(keep, c)
			continue
		}
		switch sideOf(c, nl) {
		case 1:
			nj.Left = &Filter{Input: nj.Left, Pred: c}
		case 2:
			nj.Right = &Filter{Input: nj.Right, Pred: remap(c, toRight)}
		default:
			nj.Cond = and(nj.Cond, c)
		}
	}
	nj.LeftKeys, nj.RightKeys, nj.Residual = nil, nil, nil
	if err := splitJoin(&nj); err != nil {
		return n, false
	}
	if len(keep) == 0 {
		return &nj, true
	}
	return &Filter{Input: &nj, Pred: andAll(keep)}, true
}
