package table_test

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/pprl/pprl/internal/table"
)

func ExampleNewCSV() {
	extract := "\ufeffSW_ID;SURNAME;DOB\r\n1;\"O'Neill; Jr\";01/02/2010\r\n2;Ní Bhriain;03/04/2011\r\n3;Smith\r\n"
	r, err := table.NewCSV(strings.NewReader(extract), "sw.csv", table.Options{BatchSize: 2})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(r.Header())
	for {
		b, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			fmt.Println(err) // names the row, never the value
			break
		}
		for i, row := range b.Rows {
			fmt.Println(b.FirstRow+int64(i), len(row))
		}
	}
	// Output:
	// [SW_ID SURNAME DOB]
	// 1 3
	// 2 3
	// sw.csv: row 3: has 2 fields but the header has 3 (line 4); check the delimiter and quoting
}
