package main

import (
	"fmt"
	"os"

	"github.com/stracectl/stracectl/parse"
)

// summaryNotice says on stderr that an input of parse held strace -c
// tables, which are a profile, not events (stats and diff read profiles).
func summaryNotice(name string, p *parse.Parser) error {
	if n := len(p.StraceSummaries()); n > 0 {
		if name == "-" {
			name = "stdin"
		}
		fmt.Fprintf(os.Stderr, "stracectl: %s holds %d strace -c summary table(s): a profile, not events, so parse writes none for it\n", name, n)
	}
	return nil
}
