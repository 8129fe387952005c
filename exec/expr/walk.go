package expr

// Columns lists the input column indexes that e reads, in the order met (with repeats).
func Columns(e Expr) []int {
	var out []int
	Walk(e, func(x Expr) {
		if c, ok := x.(*Column); ok {
			out = append(out, c.Index)
		}
	})
	return out
}

// Walk calls f on e and every expression below it, parents first.
func Walk(e Expr, f func(Expr)) {
	if e == nil {
		return
	}
	f(e)
	switch x := e.(type) {
	case *Call:
		for _, a := range x.Args {
			Walk(a, f)
		}
	case *Case:
		Walk(x.Operand, f)
		for _, w := range x.Whens {
			Walk(w.Cond, f)
			Walk(w.Then, f)
		}
		Walk(x.Else, f)
	}
}

// Substitute rebuilds e with each Column replaced by what replace returns for it. The
// expressions of e are not modified.
func Substitute(e Expr, replace func(*Column) Expr) Expr {
	switch x := e.(type) {
	case *Column:
		return replace(x)
	case *Call:
		c := *x
		c.Args = make([]Expr, len(x.Args))
		for i, a := range x.Args {
			c.Args[i] = Substitute(a, replace)
		}
		return &c
	case *Case:
		c := *x
		if x.Operand != nil {
			c.Operand = Substitute(x.Operand, replace)
		}
		c.Whens = make([]When, len(x.Whens))
		for i, w := range x.Whens {
			c.Whens[i] = When{Cond: Substitute(w.Cond, replace), Then: Substitute(w.Then, replace)}
		}
		if x.Else != nil {
			c.Else = Substitute(x.Else, replace)
		}
		return &c
	}
	return e
}

// RemapColumns renumbers the columns of e: column i becomes column m[i].
func RemapColumns(e Expr, m []int) Expr {
	return Substitute(e, func(c *Column) Expr {
		n := *c
		n.Index = m[c.Index]
		return &n
	})
}
