package connectors

import (
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/eddysql/eddy/connectors/format"
)

// formatOptions are the options of the text formats, shared by every connector that
// reads or writes records as text.
var formatOptions = []OptionSpec{
	{Key: "format", Required: true, Doc: "record format: json or csv"},
	{Key: "json.ignore-parse-errors", Default: "false", Doc: "a JSON value of the wrong type becomes NULL instead of making the record bad"},
	{Key: "json.fail-on-missing-field", Default: "false", Doc: "a JSON record without one of the table's columns is bad (otherwise the column is NULL)"},
	{Key: "csv.field-delimiter", Default: ",", Doc: "CSV field delimiter, one character ('\\t' for tab)"},
	{Key: "csv.quote-character", Default: "\"", Doc: "CSV quote character"},
	{Key: "csv.null-literal", Doc: "unquoted CSV text that means NULL (an empty field is NULL for non-string columns anyway)"},
	{Key: "csv.ignore-parse-errors", Default: "false", Doc: "a CSV value of the wrong type becomes NULL instead of making the record bad"},
}

func formatName(spec TableSpec) (string, error) {
	f := strings.ToLower(strings.TrimSpace(spec.Options["format"]))
	switch f {
	case "json", "csv":
		return f, nil
	case "":
		return "", fmt.Errorf("table '%s' needs option 'format' (json or csv)", spec.Name)
	}
	return "", fmt.Errorf("table '%s': unknown format '%s'; known formats: csv, json", spec.Name, spec.Options["format"])
}

func csvOptions(spec TableSpec) (format.CSVOptions, error) {
	var o format.CSVOptions
	var err error
	if o.FieldDelimiter, err = charOption(spec.Options, "csv.field-delimiter", ','); err != nil {
		return o, err
	}
	if o.QuoteCharacter, err = charOption(spec.Options, "csv.quote-character", '"'); err != nil {
		return o, err
	}
	o.NullLiteral, o.HasNullLiteral = spec.Options["csv.null-literal"]
	if o.IgnoreParseErrors, err = boolOption(spec.Options, "csv.ignore-parse-errors", false); err != nil {
		return o, err
	}
	o.Columns = spec.Columns
	return o, nil
}

// newDecoder makes the decoder of a table's 'format' for spec.Schema.
func newDecoder(spec TableSpec) (format.Decoder, error) {
	name, err := formatName(spec)
	if err != nil {
		return nil, err
	}
	var d format.Decoder
	if name == "csv" {
		o, err := csvOptions(spec)
		if err != nil {
			return nil, err
		}
		d, err = format.NewCSVDecoder(spec.Schema, spec.Mem, o)
		if err != nil {
			return nil, fmt.Errorf("table '%s': %v", spec.Name, err)
		}
		return d, nil
	}
	var o format.JSONOptions
	if o.IgnoreParseErrors, err = boolOption(spec.Options, "json.ignore-parse-errors", false); err != nil {
		return nil, err
	}
	if o.FailOnMissingField, err = boolOption(spec.Options, "json.fail-on-missing-field", false); err != nil {
		return nil, err
	}
	d, err = format.NewJSONDecoder(spec.Schema, spec.Mem, o)
	if err != nil {
		return nil, fmt.Errorf("table '%s': %v", spec.Name, err)
	}
	return d, nil
}

// rowEncoder appends one row as a line of text, without the line break.
type rowEncoder func(dst []byte, b arrow.RecordBatch, row int, kind RowKind, withKind bool) []byte

// newRowEncoder makes the encoder of a table's 'format'. JSON rows of an updating result
// get a first key "op"; CSV rows get the row kind as a first field.
func newRowEncoder(spec TableSpec) (rowEncoder, error) {
	name, err := formatName(spec)
	if err != nil {
		return nil, err
	}
	if name == "csv" {
		o, err := csvOptions(spec)
		if err != nil {
			return nil, err
		}
		e := format.NewCSVEncoder(o)
		return func(dst []byte, b arrow.RecordBatch, row int, kind RowKind, withKind bool) []byte {
			if withKind {
				dst = append(append(dst, kind.String()...), e.Delimiter)
			}
			return e.AppendRow(dst, b, row)
		}, nil
	}
	e := format.NewJSONEncoder(spec.Schema)
	return func(dst []byte, b arrow.RecordBatch, row int, kind RowKind, withKind bool) []byte {
		if withKind {
			return e.AppendRowWithOp(dst, kind.String(), b, row)
		}
		return e.AppendRow(dst, b, row)
	}, nil
}

// FormatOptions are the options of the text formats (json, csv), for connectors in other
// packages that read or write records as text.
func FormatOptions() []OptionSpec { return append([]OptionSpec{}, formatOptions...) }

// NewDecoder makes the decoder of a table's 'format' (json or csv) for spec.Schema.
func NewDecoder(spec TableSpec) (format.Decoder, error) { return newDecoder(spec) }

// RowEncoder appends one row as text without a line break; withKind adds the row kind (a
// JSON "op" key, a first CSV field).
type RowEncoder = rowEncoder

// NewRowEncoder makes the encoder of a table's 'format' (json or csv).
func NewRowEncoder(spec TableSpec) (RowEncoder, error) { return newRowEncoder(spec) }
