package format

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

// errValue marks a value that does not convert to its column's type; the caller turns it
// into a message naming the field, the type and the value.
var errValue = errors.New("bad value")

func unitsPerSecond(u arrow.TimeUnit) int64 {
	switch u {
	case arrow.Second:
		return 1
	case arrow.Microsecond:
		return 1_000_000
	case arrow.Nanosecond:
		return 1_000_000_000
	}
	return 1000
}

// bytesString views b as a string without copying; the string must not outlive b's contents.
func bytesString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

func trimSpace(s []byte) []byte {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t' || s[0] == '\r' || s[0] == '\n') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t' || s[len(s)-1] == '\r' || s[len(s)-1] == '\n') {
		s = s[:len(s)-1]
	}
	return s
}

func valueError(c *column, got string) error {
	if len(got) > 64 {
		got = got[:61] + "..."
	}
	return fmt.Errorf("field %q: expected %s, got %s", c.name, c.sql, got)
}

// millisToUnits converts epoch milliseconds to the column's timestamp unit.
func (c *column) millisToUnits(ms int64) int64 {
	switch c.tsPerSec {
	case 1000:
		return ms
	case 1:
		return floorDiv(ms, 1000)
	}
	return ms * (c.tsPerSec / 1000)
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// appendText decodes a value given as text: a CSV field or the content of a JSON string.
// It returns errValue when the text is not a value of the column's type.
func (c *column) appendText(s []byte) error {
	switch c.kind {
	case kString:
		c.data = append(c.data, s...)
		c.endString()
		return nil
	case kInt:
		v, ok := parseIntText(trimSpace(s))
		if !ok || v < c.minI || v > c.maxI {
			return errValue
		}
		c.appendInt(v)
	case kFloat64, kFloat32:
		f, err := strconv.ParseFloat(bytesString(trimSpace(s)), 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return errValue
		}
		c.appendFloat(f)
	case kBool:
		switch t := trimSpace(s); {
		case asciiEqualFold(t, "true"):
			c.appendInt(1)
		case asciiEqualFold(t, "false"):
			c.appendInt(0)
		default:
			return errValue
		}
	case kDecimal:
		v, ok := parseDecimal(trimSpace(s), c.prec, c.scale)
		if !ok {
			return errValue
		}
		c.dec = append(c.dec, v)
		c.valid = append(c.valid, 1)
	case kTimestamp:
		t := trimSpace(s)
		secs, nanos, ok := parseDateTime(t)
		if !ok {
			ms, ok := parseIntText(t)
			if !ok {
				return errValue
			}
			c.appendInt(c.millisToUnits(ms))
			return nil
		}
		c.appendInt(secs*c.tsPerSec + nanos/(1_000_000_000/c.tsPerSec))
	case kDate32:
		t := trimSpace(s)
		if days, ok := parseDate(t); ok && len(t) == 10 {
			c.appendInt(days)
			return nil
		}
		d, ok := parseIntText(t)
		if !ok || d < math.MinInt32 || d > math.MaxInt32 {
			return errValue
		}
		c.appendInt(d)
	default: // nested columns take no text
		return errValue
	}
	return nil
}

func asciiEqualFold(b []byte, lower string) bool {
	if len(b) != len(lower) {
		return false
	}
	for i := range b {
		if b[i]|0x20 != lower[i] {
			return false
		}
	}
	return true
}

// parseIntText parses an integer, also one written with a zero fraction ("12.0").
func parseIntText(s []byte) (int64, bool) {
	if len(s) == 0 {
		return 0, false
	}
	i, neg := 0, false
	if s[0] == '-' || s[0] == '+' {
		neg, i = s[0] == '-', 1
	}
	if i == len(s) {
		return 0, false
	}
	var u uint64
	for ; i < len(s); i++ {
		d := s[i] - '0'
		if d > 9 {
			return parseIntegralFloat(s)
		}
		if u > (math.MaxUint64-9)/10 {
			return 0, false
		}
		u = u*10 + uint64(d)
	}
	return signed(u, neg)
}

func signed(u uint64, neg bool) (int64, bool) {
	if neg {
		if u > 1<<63 {
			return 0, false
		}
		return -int64(u), true
	}
	if u > math.MaxInt64 {
		return 0, false
	}
	return int64(u), true
}

// parseIntegralFloat accepts "12.0" and "1.2e3" for integer columns, not "12.5" or "NaN".
func parseIntegralFloat(s []byte) (int64, bool) {
	for _, ch := range s {
		if !(ch >= '0' && ch <= '9' || ch == '.' || ch == 'e' || ch == 'E' || ch == '-' || ch == '+') {
			return 0, false
		}
	}
	f, err := strconv.ParseFloat(bytesString(s), 64)
	if err != nil || f != math.Trunc(f) || f < -9.223372036854775808e18 || f >= 9.223372036854775808e18 {
		return 0, false
	}
	return int64(f), true
}

// parseDecimal parses a decimal number ("-12.5", "1e3") exactly into a DECIMAL(prec,
// scale), rounding extra fraction digits half up (as Java's BigDecimal HALF_UP, which
// Flink uses). It fails when the value does not fit the precision.
func parseDecimal(s []byte, prec, scale int32) (decimal128.Num, bool) {
	i, neg := 0, false
	if len(s) > 0 && (s[0] == '-' || s[0] == '+') {
		neg, i = s[0] == '-', 1
	}
	intStart := i
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	intEnd, fracStart, fracEnd := i, i, i
	if i < len(s) && s[i] == '.' {
		i++
		fracStart = i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		fracEnd = i
	}
	if intEnd == intStart && fracEnd == fracStart {
		return decimal128.Num{}, false
	}
	exp := 0
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		eneg := false
		if i < len(s) && (s[i] == '-' || s[i] == '+') {
			eneg, i = s[i] == '-', i+1
		}
		if i == len(s) {
			return decimal128.Num{}, false
		}
		for ; i < len(s); i++ {
			d := s[i] - '0'
			if d > 9 {
				return decimal128.Num{}, false
			}
			if exp < 10000 {
				exp = exp*10 + int(d)
			}
		}
		if eneg {
			exp = -exp
		}
	}
	if i != len(s) {
		return decimal128.Num{}, false
	}
	// value = digits * 10^(exp - fracLen); we need digits * 10^shift.
	nDigits := (intEnd - intStart) + (fracEnd - fracStart)
	shift := int(scale) + exp - (fracEnd - fracStart)
	keep := nDigits + shift // digits of the sequence that stay; the next one rounds
	var acc uint64
	var big decimal128.Num
	useBig, sig := false, 0
	roundUp := false
	for k := 0; k < nDigits; k++ {
		var ch byte
		if k < intEnd-intStart {
			ch = s[intStart+k]
		} else {
			ch = s[fracStart+k-(intEnd-intStart)]
		}
		d := ch - '0'
		if k >= keep {
			roundUp = k == keep && d >= 5
			if k == keep {
				continue
			}
			break
		}
		if sig == 0 && d == 0 {
			continue
		}
		sig++
		if sig > 38 {
			return decimal128.Num{}, false
		}
		if !useBig && acc < 1e17 {
			acc = acc*10 + uint64(d)
			continue
		}
		if !useBig {
			big, useBig = decimal128.FromU64(acc), true
		}
		big = big.Mul(decimal128.FromU64(10)).Add(decimal128.FromU64(uint64(d)))
	}
	n := decimal128.FromU64(acc)
	if useBig {
		n = big
	}
	if roundUp {
		n = n.Add(decimal128.FromU64(1))
	}
	if shift > 0 && n.Sign() != 0 {
		if sig+shift > 38 {
			return decimal128.Num{}, false
		}
		n = n.Mul(decimal128.GetScaleMultiplier(shift))
	}
	if !n.FitsInPrecision(prec) {
		return decimal128.Num{}, false
	}
	if neg {
		n = n.Negate()
	}
	return n, true
}
