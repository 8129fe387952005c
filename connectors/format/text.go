package format

import (
	"encoding/base64"
	"math"
	"strconv"
	"sync/atomic"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

// NullText is how TextValue and the print sink show NULL.
const NullText = "NULL"

// TextValue renders arr[i] for tables and the print sink: the same text as the JSON
// encoder writes, without quotes around strings, and NULL as "NULL".
func TextValue(arr arrow.Array, i int) string {
	return string(AppendText(nil, arr, i))
}

// AppendText appends TextValue(arr, i) to dst.
func AppendText(dst []byte, arr arrow.Array, i int) []byte {
	if arr.IsNull(i) {
		return append(dst, NullText...)
	}
	switch a := arr.(type) {
	case *array.String:
		return append(dst, a.Value(i)...)
	case *array.LargeString:
		return append(dst, a.Value(i)...)
	case *array.Float64:
		return appendDouble(dst, a.Value(i), false)
	case *array.Float32:
		return appendFloat32(dst, a.Value(i), false)
	case *array.Decimal128:
		return appendDecimal(dst, a.Value(i), a.DataType().(*arrow.Decimal128Type).Scale)
	case *array.Timestamp:
		return appendTimestamp(dst, int64(a.Value(i)), a.DataType().(*arrow.TimestampType).Unit)
	case *array.Date32:
		return appendDate(dst, int64(a.Value(i)))
	case *array.Date64:
		return appendDate(dst, floorDiv(int64(a.Value(i)), 86400_000))
	case *array.Duration:
		return appendInterval(dst, int64(a.Value(i)), a.DataType().(*arrow.DurationType).Unit)
	case *array.Binary:
		return base64.StdEncoding.AppendEncode(dst, a.Value(i))
	}
	return appendValue(dst, arr, i)
}

// appendValue appends the JSON text of a non-NULL arr[i].
func appendValue(dst []byte, arr arrow.Array, i int) []byte {
	switch a := arr.(type) {
	case *array.Int64:
		return strconv.AppendInt(dst, a.Value(i), 10)
	case *array.Int32:
		return strconv.AppendInt(dst, int64(a.Value(i)), 10)
	case *array.Int16:
		return strconv.AppendInt(dst, int64(a.Value(i)), 10)
	case *array.Int8:
		return strconv.AppendInt(dst, int64(a.Value(i)), 10)
	case *array.Uint64:
		return strconv.AppendUint(dst, a.Value(i), 10)
	case *array.Uint32:
		return strconv.AppendUint(dst, uint64(a.Value(i)), 10)
	case *array.Uint16:
		return strconv.AppendUint(dst, uint64(a.Value(i)), 10)
	case *array.Uint8:
		return strconv.AppendUint(dst, uint64(a.Value(i)), 10)
	case *array.Float64:
		return appendDouble(dst, a.Value(i), true)
	case *array.Float32:
		return appendFloat32(dst, a.Value(i), true)
	case *array.Boolean:
		return strconv.AppendBool(dst, a.Value(i))
	case *array.String:
		return appendJSONString(dst, a.Value(i))
	case *array.LargeString:
		return appendJSONString(dst, a.Value(i))
	case *array.Binary:
		dst = append(dst, '"')
		dst = base64.StdEncoding.AppendEncode(dst, a.Value(i))
		return append(dst, '"')
	case *array.Decimal128:
		dst = append(dst, '"')
		dst = appendDecimal(dst, a.Value(i), a.DataType().(*arrow.Decimal128Type).Scale)
		return append(dst, '"')
	case *array.Timestamp:
		dst = append(dst, '"')
		dst = appendTimestamp(dst, int64(a.Value(i)), a.DataType().(*arrow.TimestampType).Unit)
		return append(dst, '"')
	case *array.Date32:
		dst = append(dst, '"')
		dst = appendDate(dst, int64(a.Value(i)))
		return append(dst, '"')
	case *array.Date64:
		dst = append(dst, '"')
		dst = appendDate(dst, floorDiv(int64(a.Value(i)), 86400_000))
		return append(dst, '"')
	case *array.Duration:
		dst = append(dst, '"')
		dst = appendInterval(dst, int64(a.Value(i)), a.DataType().(*arrow.DurationType).Unit)
		return append(dst, '"')
	case *array.Map:
		// An object, as Flink writes a MAP; keys that are not strings become their text.
		start, end := a.ValueOffsets(i)
		entries := a.ListValues().(*array.Struct)
		keys, items := entries.Field(0), entries.Field(1)
		dst = append(dst, '{')
		for j := int(start); j < int(end); j++ {
			if j > int(start) {
				dst = append(dst, ',')
			}
			if s, ok := keys.(*array.String); ok {
				dst = appendJSONString(dst, s.Value(j))
			} else {
				dst = appendJSONString(dst, string(AppendText(nil, keys, j)))
			}
			dst = append(dst, ':')
			dst = appendJSONOrNull(dst, items, j)
		}
		return append(dst, '}')
	case array.ListLike:
		start, end := a.ValueOffsets(i)
		vals := a.ListValues()
		dst = append(dst, '[')
		for j := start; j < end; j++ {
			if j > start {
				dst = append(dst, ',')
			}
			dst = appendJSONOrNull(dst, vals, int(j))
		}
		return append(dst, ']')
	case *array.Struct:
		st := a.DataType().(*arrow.StructType)
		dst = append(dst, '{')
		for f := 0; f < a.NumField(); f++ {
			if f > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSONString(dst, st.Field(f).Name)
			dst = append(dst, ':')
			dst = appendJSONOrNull(dst, a.Field(f), i)
		}
		return append(dst, '}')
	}
	return appendJSONString(dst, arr.ValueStr(i))
}

func appendJSONOrNull(dst []byte, arr arrow.Array, i int) []byte {
	if arr.IsNull(i) {
		return append(dst, "null"...)
	}
	return appendValue(dst, arr, i)
}

// appendDouble writes the shortest text that reads back as f, in plain notation for
// magnitudes in [1e-7, 1e21) and with an exponent otherwise (as JavaScript does). NaN and
// infinities are not JSON numbers; they are written as the strings Java uses, quoted when
// quote is set.
func appendDouble(dst []byte, f float64, quote bool) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		s := "NaN"
		if math.IsInf(f, 1) {
			s = "Infinity"
		} else if math.IsInf(f, -1) {
			s = "-Infinity"
		}
		if quote {
			return append(append(append(dst, '"'), s...), '"')
		}
		return append(dst, s...)
	}
	if abs := math.Abs(f); abs == 0 || abs >= 1e-7 && abs < 1e21 {
		return strconv.AppendFloat(dst, f, 'f', -1, 64)
	}
	return strconv.AppendFloat(dst, f, 'e', -1, 64)
}

func appendFloat32(dst []byte, f float32, quote bool) []byte {
	if math.IsNaN(float64(f)) || math.IsInf(float64(f), 0) {
		return appendDouble(dst, float64(f), quote)
	}
	if abs := math.Abs(float64(f)); abs == 0 || abs >= 1e-7 && abs < 1e21 {
		return strconv.AppendFloat(dst, float64(f), 'f', -1, 32)
	}
	return strconv.AppendFloat(dst, float64(f), 'e', -1, 32)
}

// appendDecimal writes n with exactly scale fraction digits ("12.50", "-0.05").
func appendDecimal(dst []byte, n decimal128.Num, scale int32) []byte {
	var digits [48]byte
	var s []byte
	neg := n.Sign() < 0
	if neg {
		n = n.Negate()
	}
	if n.HighBits() == 0 {
		s = strconv.AppendUint(digits[:0], n.LowBits(), 10)
	} else {
		s = n.BigInt().Append(digits[:0], 10)
	}
	if neg {
		dst = append(dst, '-')
	}
	if scale <= 0 {
		dst = append(dst, s...)
		for ; scale < 0; scale++ {
			dst = append(dst, '0')
		}
		return dst
	}
	sc := int(scale)
	if len(s) <= sc {
		dst = append(dst, '0', '.')
		for k := len(s); k < sc; k++ {
			dst = append(dst, '0')
		}
		return append(dst, s...)
	}
	dst = append(dst, s[:len(s)-sc]...)
	dst = append(dst, '.')
	return append(dst, s[len(s)-sc:]...)
}

func append2(dst []byte, v int64) []byte { return append(dst, byte('0'+v/10), byte('0'+v%10)) }

// dayText caches the text of the last day written: output timestamps mostly share a day,
// and the civil-date arithmetic is the costly part of formatting one.
type dayText struct {
	days int64
	text []byte
}

var lastDay atomic.Pointer[dayText]

// appendDate writes days since the epoch as yyyy-MM-dd.
func appendDate(dst []byte, days int64) []byte {
	if c := lastDay.Load(); c != nil && c.days == days {
		return append(dst, c.text...)
	}
	start := len(dst)
	dst = appendDateSlow(dst, days)
	lastDay.Store(&dayText{days: days, text: append([]byte(nil), dst[start:]...)})
	return dst
}

func appendDateSlow(dst []byte, days int64) []byte {
	y, m, d := civilFromDays(days)
	if y >= 0 && y <= 9999 {
		dst = append2(dst, y/100)
		dst = append2(dst, y%100)
	} else {
		dst = strconv.AppendInt(dst, y, 10)
	}
	dst = append(dst, '-')
	dst = append2(dst, m)
	dst = append(dst, '-')
	return append2(dst, d)
}

// appendTimestamp writes 'yyyy-MM-dd HH:mm:ss.fff' in UTC, with 3 fraction digits for
// second and millisecond units, 6 for microseconds and 9 for nanoseconds.
func appendTimestamp(dst []byte, v int64, unit arrow.TimeUnit) []byte {
	perSec := unitsPerSecond(unit)
	secs := floorDiv(v, perSec)
	frac := v - secs*perSec
	days := floorDiv(secs, 86400)
	sod := secs - days*86400
	dst = appendDate(dst, days)
	dst = append(dst, ' ')
	dst = append2(dst, sod/3600)
	dst = append(dst, ':')
	dst = append2(dst, sod/60%60)
	dst = append(dst, ':')
	dst = append2(dst, sod%60)
	dst = append(dst, '.')
	width := 3
	switch unit {
	case arrow.Second:
		frac *= 1000
	case arrow.Microsecond:
		width = 6
	case arrow.Nanosecond:
		width = 9
	}
	var buf [9]byte
	for k := width - 1; k >= 0; k-- {
		buf[k] = byte('0' + frac%10)
		frac /= 10
	}
	return append(dst, buf[:width]...)
}

const hexDigits = "0123456789abcdef"

// appendJSONString writes s as a JSON string; invalid UTF-8 becomes U+FFFD.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		ch := s[i]
		if strPlain[ch] {
			i++
			continue
		}
		if ch >= 0x80 {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				dst = append(dst, s[start:i]...)
				dst = append(dst, `\ufffd`...)
				i += size
				start = i
				continue
			}
			i += size
			continue
		}
		dst = append(dst, s[start:i]...)
		switch ch {
		case '"', '\\':
			dst = append(dst, '\\', ch)
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[ch>>4], hexDigits[ch&0xf])
		}
		i++
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// appendInterval writes a day-time interval as Flink prints INTERVAL DAY TO SECOND(3):
// "+0 01:30:00.000", "-1 00:00:00.500".
func appendInterval(dst []byte, v int64, unit arrow.TimeUnit) []byte {
	ms := v
	switch unit {
	case arrow.Second:
		ms = v * 1000
	case arrow.Microsecond:
		ms = v / 1000
	case arrow.Nanosecond:
		ms = v / 1_000_000
	}
	sign := byte('+')
	if ms < 0 {
		sign, ms = '-', -ms
	}
	dst = append(dst, sign)
	dst = strconv.AppendInt(dst, ms/86_400_000, 10)
	dst = append(dst, ' ')
	dst = append2(dst, ms/3_600_000%24)
	dst = append(dst, ':')
	dst = append2(dst, ms/60_000%60)
	dst = append(dst, ':')
	dst = append2(dst, ms/1000%60)
	dst = append(dst, '.')
	f := ms % 1000
	return append(dst, byte('0'+f/100), byte('0'+f/10%10), byte('0'+f%10))
}
