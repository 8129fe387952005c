package planner

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
)

// TimestampType is TIMESTAMP(3): epoch milliseconds without a zone.
var TimestampType arrow.DataType = &arrow.TimestampType{Unit: arrow.Millisecond}

// TimestampLTZType is TIMESTAMP_LTZ(3): an instant, shown in the session zone (UTC).
var TimestampLTZType arrow.DataType = &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}

// ParseType maps a normalised SQL type name (parser.ColumnDef.Type) to its Arrow type.
func ParseType(name string) (arrow.DataType, error) {
	if t, ok, err := parseNestedType(name); ok {
		return t, err
	}
	n := strings.ToUpper(strings.TrimSpace(name))
	base, args := n, ""
	if i := strings.IndexAny(n, "(<"); i >= 0 {
		base, args = strings.TrimSpace(n[:i]), n[i:]
	}
	switch base {
	case "BOOLEAN", "BOOL":
		return arrow.FixedWidthTypes.Boolean, nil
	case "TINYINT":
		return arrow.PrimitiveTypes.Int8, nil
	case "SMALLINT":
		return arrow.PrimitiveTypes.Int16, nil
	case "INT", "INTEGER", "MEDIUMINT":
		return arrow.PrimitiveTypes.Int32, nil
	case "BIGINT":
		return arrow.PrimitiveTypes.Int64, nil
	case "FLOAT", "REAL":
		return arrow.PrimitiveTypes.Float32, nil
	case "DOUBLE", "DOUBLE PRECISION":
		return arrow.PrimitiveTypes.Float64, nil
	case "STRING", "VARCHAR", "CHAR", "TEXT", "CHARACTER VARYING", "CHARACTER", "LONGTEXT", "MEDIUMTEXT", "TINYTEXT", "JSON":
		return arrow.BinaryTypes.String, nil
	case "BYTES", "BINARY", "VARBINARY", "BLOB":
		return arrow.BinaryTypes.Binary, nil
	case "DATE":
		return arrow.FixedWidthTypes.Date32, nil
	case "TIME":
		return arrow.FixedWidthTypes.Time32ms, nil
	case "TIMESTAMP", "DATETIME", "TIMESTAMP WITHOUT TIME ZONE":
		return TimestampType, nil
	case "TIMESTAMP_LTZ", "TIMESTAMP WITH LOCAL TIME ZONE":
		return TimestampLTZType, nil
	case "DECIMAL", "NUMERIC", "DEC":
		p, s := 10, 0
		if args != "" {
			parts := strings.Split(strings.Trim(args, "()"), ",")
			var err error
			if p, err = strconv.Atoi(strings.TrimSpace(parts[0])); err != nil {
				return nil, fmt.Errorf("bad DECIMAL precision in %s", name)
			}
			if len(parts) > 1 {
				if s, err = strconv.Atoi(strings.TrimSpace(parts[1])); err != nil {
					return nil, fmt.Errorf("bad DECIMAL scale in %s", name)
				}
			}
		}
		if p < 1 || p > 38 || s < 0 || s > p {
			return nil, fmt.Errorf("DECIMAL(%d, %d) is out of range: precision 1..38, scale 0..precision", p, s)
		}
		return &arrow.Decimal128Type{Precision: int32(p), Scale: int32(s)}, nil
	case "MULTISET":
		return nil, fmt.Errorf("type %s is not supported yet; declare the column as STRING to keep its JSON text", name)
	case "ARRAY", "MAP", "ROW":
		return nil, fmt.Errorf("bad type %s: write ARRAY<T>, MAP<K, V> or ROW<name T, ...>", name)
	}
	return nil, fmt.Errorf("unknown type %s; known types: BOOLEAN, TINYINT, SMALLINT, INT, BIGINT, FLOAT, DOUBLE, DECIMAL(p,s), STRING, VARCHAR(n), BYTES, DATE, TIME, TIMESTAMP(3), TIMESTAMP_LTZ(3)", name)
}

func typesEqual(a, b arrow.DataType) bool { return arrow.TypeEqual(a, b) }
