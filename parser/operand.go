package parser

// Operands of the constructs that wrap text on both sides (IS DISTINCT FROM, x[i],
// FOR SYSTEM_TIME AS OF x) are found on tokens. An operand is a chain of atoms (names,
// calls, literals, bracketed groups, CASE ... END, INTERVAL literals) joined by
// arithmetic operators; comparison and logical operators bind looser and end it.

func isArith(t token) bool {
	if t.kind != tkOp {
		return false
	}
	switch t.up {
	case "+", "-", "*", "/", "%", "||":
		return true
	}
	return false
}

// operandStart scans back from token p (inclusive, not before lo) over one operand.
func (r *rewriter) operandStart(p, lo int) int {
	s := r.atomStart(p, lo)
	for s > p {
		return p + 1
	}
	for s-2 >= lo && isArith(r.toks[s-1]) {
		a := r.atomStart(s-2, lo)
		if a > s-2 {
			break
		}
		s = a
	}
	return s
}

// atomStart returns the first token of the atom ending at p, or p+1 when none does.
func (r *rewriter) atomStart(p, lo int) int {
	if p < lo || p >= len(r.toks) {
		return p + 1
	}
	t := r.toks[p]
	switch {
	case t.is(")"):
		o := r.match[p]
		if o < lo {
			return p + 1
		}
		if o-1 >= lo && r.toks[o-1].kind == tkWord && !operandStop[r.toks[o-1].up] {
			return r.qualifiedStart(o-1, lo)
		}
		return o
	case t.is("]"):
		o := r.match[p]
		if o < lo || o-1 < lo {
			return p + 1
		}
		if r.toks[o-1].is("ARRAY") || r.toks[o-1].is("MAP") {
			return o - 1
		}
		return r.atomStart(o-1, lo)
	case t.kind == tkWord && operandStop[t.up]:
		return p + 1
	case t.kind == tkWord || t.kind == tkQuoted:
		return r.qualifiedStart(p, lo)
	case t.kind == tkString || t.kind == tkNumber:
		return p
	}
	return p + 1
}

func (r *rewriter) qualifiedStart(p, lo int) int {
	for p-2 >= lo && r.toks[p-1].is(".") && r.toks[p-2].isName() {
		p -= 2
	}
	return p
}

// operandEnd scans forward from token p over one operand and returns the index after it.
func (r *rewriter) operandEnd(p, hi int) int {
	e := r.atomEnd(p, hi)
	for e > p && e+1 < hi && isArith(r.toks[e]) {
		n := r.atomEnd(e+1, hi)
		if n <= e+1 {
			break
		}
		e = n
	}
	return e
}

func (r *rewriter) atomEnd(p, hi int) int {
	if p >= hi || p >= len(r.toks) {
		return p
	}
	t := r.toks[p]
	switch {
	case t.is("-") || t.is("+"):
		if n := r.atomEnd(p+1, hi); n > p+1 {
			return n
		}
		return p
	case t.is("("):
		if c := r.closer(p); c > 0 && c < hi {
			return c + 1
		}
		return p
	case t.is("CASE"):
		depth := 0
		for q := p; q < hi; q++ {
			if r.toks[q].is("CASE") {
				depth++
			} else if r.toks[q].is("END") {
				depth--
				if depth == 0 {
					return q + 1
				}
			}
		}
		return p
	case t.is("INTERVAL"):
		q := p + 1
		if r.tok(q).is("-") {
			q++
		}
		if q+1 < hi && intervalUnits[r.tok(q+1).up] != "" {
			q += 2
			if q+1 < hi && r.tok(q).is("TO") {
				q += 2
			}
			return q
		}
		return p
	case (t.is("TIMESTAMP") || t.is("DATE") || t.is("TIME")) && r.tok(p+1).kind == tkString && p+1 < hi:
		return p + 2
	case t.kind == tkWord && operandStop[t.up]:
		return p
	case t.isName():
		q := p + 1
		for q+1 < hi && r.toks[q].is(".") && (r.toks[q+1].isName() || r.toks[q+1].is("*")) {
			q += 2
		}
		if q < hi && r.toks[q].is("(") {
			if c := r.closer(q); c > 0 && c < hi {
				return c + 1
			}
		}
		return q
	case t.kind == tkString || t.kind == tkNumber:
		return p + 1
	}
	return p
}

// operandStop are keywords that cannot be (or end) an operand.
var operandStop = map[string]bool{
	"AND": true, "OR": true, "NOT": true, "WHERE": true, "SELECT": true, "ON": true, "WHEN": true,
	"THEN": true, "ELSE": true, "HAVING": true, "BY": true, "FROM": true, "IS": true, "AS": true,
	"IN": true, "LIKE": true, "BETWEEN": true, "END": true, "DISTINCT": true, "JOIN": true, "CASE": true,
}
