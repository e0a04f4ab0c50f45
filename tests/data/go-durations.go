// go-durations.go: prints what Go's time.ParseDuration and Duration.String() answer for
// each input, in the format of go-durations.tsv. Inputs come one per line on standard
// input, each a Go-quoted string (strconv.Quote), so that any bytes can be given.
//
//	cut -f1 tests/data/go-durations.tsv | grep -v '^#' | go run tests/data/go-durations.go
package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"time"
)

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<20)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	fmt.Fprintln(out, "# input (Go-quoted string)\tnanoseconds or 'error'\tGo's canonical String() form")
	for in.Scan() {
		s, err := strconv.Unquote(in.Text())
		if err != nil {
			fmt.Fprintln(os.Stderr, "not a Go-quoted string:", in.Text())
			os.Exit(2)
		}
		d, err := time.ParseDuration(s)
		if err != nil {
			fmt.Fprintf(out, "%s\terror\t\n", strconv.Quote(s))
			continue
		}
		fmt.Fprintf(out, "%s\t%d\t%s\n", strconv.Quote(s), int64(d), d.String())
	}
}
