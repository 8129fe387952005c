package parser

import (
	"fmt"
	"os"
	"testing"
)

func TestZZDebug(t *testing.T) {
	b, _ := os.ReadFile("/tmp/pt/in.sql")
	stmts, err := Parse("job.sql", string(b))
	if err != nil {
		fmt.Println("ERROR:", err)
	}
	for _, s := range stmts {
		fmt.Printf("%T %v\n", s, s.Position())
		switch s := s.(type) {
		case *Query:
			fmt.Println("   ", s.Query.Src.SQL())
		case *Insert:
			fmt.Println("   ", s.Table, s.Columns, s.Query.Src.SQL())
		case *CreateTable:
			fmt.Printf("    %+v\n", *s)
			for _, c := range s.Columns {
				if c.Computed != nil {
					fmt.Println("    computed", c.Name, c.Computed.Src.SQL())
				}
			}
			if s.Watermark != nil {
				fmt.Println("    wm", s.Watermark.Expr.Src.SQL())
			}
		case *StatementSet:
			for _, i := range s.Inserts {
				fmt.Println("   ", i.Table, i.Query.Src.SQL())
			}
		case *Explain:
			fmt.Printf("    %T\n", s.Stmt)
		default:
			fmt.Printf("    %+v\n", s)
		}
	}
}
