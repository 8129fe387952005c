package expr

import (
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
)

// TypeError is a user-facing type-checking error from NewCall, NewCast or NewCase. It carries
// no position: the planner knows where the expression came from and attaches the SQL position.
type TypeError struct{ Msg string }

func (e *TypeError) Error() string { return e.Msg }

func typeErrorf(format string, args ...any) error {
	return &TypeError{Msg: fmt.Sprintf(format, args...)}
}

// Canonical Arrow types of the SQL types eddy produces. Timestamps are always milliseconds;
// TIMESTAMP_LTZ is the same instant with the "UTC" zone tag (the session time zone is UTC).
var (
	Timestamp    arrow.DataType = &arrow.TimestampType{Unit: arrow.Millisecond}
	TimestampLTZ arrow.DataType = &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}
	Interval     arrow.DataType = &arrow.DurationType{Unit: arrow.Millisecond}
	Date         arrow.DataType = arrow.FixedWidthTypes.Date32
	Time         arrow.DataType = &arrow.Time32Type{Unit: arrow.Millisecond}
	Bool         arrow.DataType = arrow.FixedWidthTypes.Boolean
	BigInt       arrow.DataType = arrow.PrimitiveTypes.Int64
	Int          arrow.DataType = arrow.PrimitiveTypes.Int32
	Double       arrow.DataType = arrow.PrimitiveTypes.Float64
	String       arrow.DataType = arrow.BinaryTypes.String
	Null         arrow.DataType = arrow.Null
)

// Decimal returns DECIMAL(p, s), clamping p to 1..38 and s to 0..p.
func Decimal(p, s int32) arrow.DataType {
	p = min(max(p, 1), 38)
	s = min(max(s, 0), p)
	return &arrow.Decimal128Type{Precision: p, Scale: s}
}

// TypeName is the SQL name of an Arrow type, for error messages and DESCRIBE.
func TypeName(t arrow.DataType) string {
	if t == nil {
		return "NULL"
	}
	switch t := t.(type) {
	case *arrow.NullType:
		return "NULL"
	case *arrow.BooleanType:
		return "BOOLEAN"
	case *arrow.Int8Type:
		return "TINYINT"
	case *arrow.Int16Type:
		return "SMALLINT"
	case *arrow.Int32Type:
		return "INT"
	case *arrow.Int64Type:
		return "BIGINT"
	case *arrow.Uint8Type, *arrow.Uint16Type, *arrow.Uint32Type, *arrow.Uint64Type:
		return strings.ToUpper(t.Name())
	case *arrow.Float32Type:
		return "FLOAT"
	case *arrow.Float64Type:
		return "DOUBLE"
	case *arrow.Decimal128Type:
		return fmt.Sprintf("DECIMAL(%d, %d)", t.Precision, t.Scale)
	case *arrow.StringType, *arrow.LargeStringType, *arrow.StringViewType:
		return "STRING"
	case *arrow.BinaryType, *arrow.LargeBinaryType:
		return "BYTES"
	case *arrow.Date32Type, *arrow.Date64Type:
		return "DATE"
	case *arrow.TimestampType:
		p := 3
		switch t.Unit {
		case arrow.Second:
			p = 0
		case arrow.Microsecond:
			p = 6
		case arrow.Nanosecond:
			p = 9
		}
		if t.TimeZone != "" {
			return fmt.Sprintf("TIMESTAMP_LTZ(%d)", p)
		}
		return fmt.Sprintf("TIMESTAMP(%d)", p)
	case *arrow.Time32Type, *arrow.Time64Type:
		return "TIME(3)"
	case *arrow.DurationType:
		return "INTERVAL DAY TO SECOND(3)"
	case *arrow.MonthIntervalType:
		return "INTERVAL YEAR TO MONTH"
	case *arrow.ListType:
		return "ARRAY<" + TypeName(t.Elem()) + ">"
	case *arrow.MapType:
		return "MAP<" + TypeName(t.KeyType()) + ", " + TypeName(t.ItemType()) + ">"
	case *arrow.StructType:
		parts := make([]string, t.NumFields())
		for i, f := range t.Fields() {
			parts[i] = "`" + f.Name + "` " + TypeName(f.Type)
		}
		return "ROW<" + strings.Join(parts, ", ") + ">"
	}
	return strings.ToUpper(t.String())
}

func isNull(t arrow.DataType) bool { return t == nil || t.ID() == arrow.NULL }
func isBool(t arrow.DataType) bool { return t.ID() == arrow.BOOL }
func isString(t arrow.DataType) bool {
	return t.ID() == arrow.STRING
}
func isInt(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64:
		return true
	}
	return false
}
func isFloat(t arrow.DataType) bool {
	return t.ID() == arrow.FLOAT32 || t.ID() == arrow.FLOAT64
}
func isDecimal(t arrow.DataType) bool { return t.ID() == arrow.DECIMAL128 }
func isNumeric(t arrow.DataType) bool { return isInt(t) || isFloat(t) || isDecimal(t) }
func isTimestamp(t arrow.DataType) bool {
	return t.ID() == arrow.TIMESTAMP
}
func isDate(t arrow.DataType) bool     { return t.ID() == arrow.DATE32 }
func isDuration(t arrow.DataType) bool { return t.ID() == arrow.DURATION }
func isTemporal(t arrow.DataType) bool { return isTimestamp(t) || isDate(t) }

func intRank(t arrow.DataType) int {
	switch t.ID() {
	case arrow.INT8:
		return 1
	case arrow.INT16:
		return 2
	case arrow.INT32:
		return 3
	case arrow.INT64:
		return 4
	}
	return 0
}

// intDigits is the decimal precision an integer type needs, for mixing with DECIMAL.
func intDigits(t arrow.DataType) int32 {
	switch t.ID() {
	case arrow.INT8:
		return 3
	case arrow.INT16:
		return 5
	case arrow.INT32:
		return 10
	}
	return 19
}

func decParts(t arrow.DataType) (p, s int32) {
	if d, ok := t.(*arrow.Decimal128Type); ok {
		return d.Precision, d.Scale
	}
	return intDigits(t), 0
}

// commonNumeric is the type two numeric operands widen to: INT -> BIGINT -> DECIMAL -> DOUBLE.
func commonNumeric(a, b arrow.DataType) arrow.DataType {
	switch {
	case isFloat(a) || isFloat(b):
		if a.ID() == arrow.FLOAT32 && (b.ID() == arrow.FLOAT32 || isInt(b)) ||
			b.ID() == arrow.FLOAT32 && isInt(a) {
			return arrow.PrimitiveTypes.Float32
		}
		return Double
	case isDecimal(a) || isDecimal(b):
		p1, s1 := decParts(a)
		p2, s2 := decParts(b)
		s := max(s1, s2)
		return Decimal(max(p1-s1, p2-s2)+s, s)
	case intRank(a) >= intRank(b):
		return a
	default:
		return b
	}
}

// commonType is the type both sides of a comparison, a CASE or a COALESCE are cast to, or
// nil if there is none. Strings meet temporal types as the temporal type (a string literal
// compared with a timestamp column is parsed once, at plan time).
func commonType(a, b arrow.DataType) arrow.DataType {
	switch {
	case isNull(a):
		return b
	case isNull(b):
		return a
	case arrow.TypeEqual(a, b):
		return a
	case isNumeric(a) && isNumeric(b):
		return commonNumeric(a, b)
	case isTimestamp(a) && isTimestamp(b):
		// TIMESTAMP vs TIMESTAMP_LTZ: the same ms values in a UTC session; prefer LTZ.
		if a.(*arrow.TimestampType).TimeZone != "" {
			return a
		}
		return b
	case isTimestamp(a) && (isDate(b) || isString(b)):
		return a
	case isTimestamp(b) && (isDate(a) || isString(a)):
		return b
	case isDate(a) && isString(b):
		return a
	case isDate(b) && isString(a):
		return b
	}
	return nil
}

// castTo wraps e in an implicit cast to t unless it already has that type. NULL literals
// simply adopt t; other literals are folded.
func castTo(e Expr, t arrow.DataType) Expr {
	if arrow.TypeEqual(e.Type(), t) {
		return e
	}
	if l, ok := e.(*Literal); ok && l.Value == nil {
		return &Literal{T: t}
	}
	c := &Call{Func: "cast", Args: []Expr{e}, T: t}
	return foldConst(c)
}

// NullLiteral is SQL NULL of type t (arrow.Null when the type is not known yet).
func NullLiteral(t arrow.DataType) *Literal {
	if t == nil {
		t = Null
	}
	return &Literal{T: t}
}
