package expr

import (
	"fmt"
	"sort"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
)

// FunctionDoc describes one scalar function for SHOW FUNCTIONS and error hints.
type FunctionDoc struct {
	Name      string   // canonical lower-case name, the Call.Func value
	Signature string   // e.g. "SUBSTRING(s STRING, pos BIGINT [, len BIGINT]) -> STRING"
	Doc       string   // one line
	Aliases   []string // other accepted names, lower case
}

// checkFn type-checks a call's arguments, inserting implicit casts, and returns the typed
// expression (usually a *Call; some functions rewrite, e.g. BETWEEN into AND of comparisons).
type checkFn func(name string, args []Expr) (Expr, error)

// buildFn compiles a type-checked call.
type buildFn func(c *compiler, call *Call) (evalFunc, error)

type fnDef struct {
	doc      FunctionDoc
	check    checkFn
	build    buildFn
	volatile bool // not folded at plan time (clock, random)
}

var (
	registry = map[string]*fnDef{}
	aliasOf  = map[string]string{}
)

// Functions lists every scalar function, sorted by name.
var Functions []FunctionDoc

func init() {
	registerCompare()
	registerArith()
	registerLogic()
	registerCond()
	registerMath()
	registerStrings()
	registerTime()
	registerJSON()
	registerCast()
	for _, d := range registry {
		if d.doc.Signature == "" {
			continue // internal
		}
		Functions = append(Functions, d.doc)
	}
	sort.Slice(Functions, func(i, j int) bool { return Functions[i].Name < Functions[j].Name })
}

func register(name, signature, doc string, check checkFn, build buildFn, aliases ...string) *fnDef {
	d := &fnDef{doc: FunctionDoc{Name: name, Signature: signature, Doc: doc, Aliases: aliases}, check: check, build: build}
	registry[name] = d
	for _, a := range aliases {
		aliasOf[a] = name
	}
	return d
}

// Lookup finds a function by name or alias (case-insensitive).
func Lookup(name string) (FunctionDoc, bool) {
	name = canonicalName(name)
	d, ok := registry[name]
	if !ok || d.doc.Signature == "" {
		return FunctionDoc{}, false
	}
	return d.doc, true
}

func canonicalName(name string) string {
	name = strings.ToLower(name)
	if c, ok := aliasOf[name]; ok {
		return c
	}
	return name
}

// NewCall type-checks fn(args...) and returns the typed expression: a *Call with implicit
// casts inserted, a rewrite (BETWEEN, NOT IN, ...), or a folded *Literal when every argument
// is constant. Errors are *TypeError.
func NewCall(fn string, args ...Expr) (Expr, error) {
	name := canonicalName(fn)
	d, ok := registry[name]
	if !ok {
		return nil, typeErrorf("no such function: %s%s", strings.ToUpper(fn), suggest(fn))
	}
	for i, a := range args {
		if a == nil {
			return nil, typeErrorf("%s: argument %d is missing", strings.ToUpper(fn), i+1)
		}
	}
	if d.check == nil {
		return nil, typeErrorf("%s is not a function here; use NewCast", strings.ToUpper(fn))
	}
	e, err := d.check(name, args)
	if err != nil {
		return nil, err
	}
	return foldConst(e), nil
}

func suggest(fn string) string {
	fn = strings.ToLower(fn)
	best, bestD := "", 3
	for name := range registry {
		if registry[name].doc.Signature == "" {
			continue
		}
		if d := editDistance(fn, name); d < bestD {
			best, bestD = name, d
		}
	}
	if best == "" {
		return "; SHOW FUNCTIONS lists them"
	}
	return "; did you mean " + strings.ToUpper(best) + "?"
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// kind is a parameter class in a signature; coerce casts an argument into it.
type kind byte

const (
	kAny    kind = iota
	kNum         // any numeric, kept as is
	kBigint      // integer, widened to BIGINT
	kDouble      // any numeric, cast to DOUBLE
	kString      // STRING
	kTS          // TIMESTAMP / TIMESTAMP_LTZ kept; DATE and STRING cast to TIMESTAMP
	kBool        // BOOLEAN
	kLitStr      // a STRING literal (a format, a unit, a path)
	kToStr       // anything, cast to STRING (CONCAT)
)

func (k kind) String() string {
	return [...]string{"ANY", "NUMERIC", "BIGINT", "DOUBLE", "STRING", "TIMESTAMP", "BOOLEAN", "STRING literal", "STRING"}[k]
}

func coerce(name string, pos int, e Expr, k kind) (Expr, error) {
	t := e.Type()
	bad := func() error {
		return typeErrorf("%s: argument %d must be %s, got %s", strings.ToUpper(name), pos+1, k, TypeName(t))
	}
	null := isNull(t)
	switch k {
	case kAny:
		return e, nil
	case kNum:
		if null {
			return castTo(e, BigInt), nil
		}
		if isNumeric(t) {
			return e, nil
		}
	case kBigint:
		if null || isInt(t) {
			return castTo(e, BigInt), nil
		}
	case kDouble:
		if null || isNumeric(t) {
			return castTo(e, Double), nil
		}
	case kString:
		if null || isString(t) {
			return castTo(e, String), nil
		}
	case kToStr:
		return NewCast(e, String, false)
	case kLitStr:
		if l, ok := e.(*Literal); ok && (l.Value == nil || isString(t)) {
			return castTo(e, String), nil
		}
		return nil, typeErrorf("%s: argument %d must be a constant string", strings.ToUpper(name), pos+1)
	case kTS:
		if isTimestamp(t) {
			return e, nil
		}
		if null || isDate(t) || isString(t) {
			return castTo(e, Timestamp), nil
		}
	case kBool:
		if null || isBool(t) {
			return castTo(e, Bool), nil
		}
	}
	return nil, bad()
}

// resultRule computes a call's result type from its coerced arguments.
type resultRule func(args []Expr) arrow.DataType

func fixed(t arrow.DataType) resultRule { return func([]Expr) arrow.DataType { return t } }
func sameAs(i int) resultRule           { return func(a []Expr) arrow.DataType { return a[i].Type() } }
func sig(kinds ...kind) []kind          { return kinds }
func arity(name string, n, lo, hi int) error {
	if n < lo || (hi >= 0 && n > hi) {
		want := fmt.Sprint(lo)
		switch {
		case hi < 0:
			want = fmt.Sprintf("at least %d", lo)
		case hi != lo:
			want = fmt.Sprintf("%d to %d", lo, hi)
		}
		return typeErrorf("%s takes %s argument(s), got %d", strings.ToUpper(name), want, n)
	}
	return nil
}

// simple is the checker for a fixed signature: kinds[:nreq] required, the rest optional;
// with variadic the last kind repeats.
func simple(kinds []kind, nreq int, variadic bool, res resultRule) checkFn {
	return func(name string, args []Expr) (Expr, error) {
		hi := len(kinds)
		if variadic {
			hi = -1
		}
		if err := arity(name, len(args), nreq, hi); err != nil {
			return nil, err
		}
		out := make([]Expr, len(args))
		for i, a := range args {
			k := kinds[min(i, len(kinds)-1)]
			c, err := coerce(name, i, a, k)
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return &Call{Func: name, Args: out, T: res(out)}, nil
	}
}
