package profile

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"

	"github.com/stracectl/stracectl/emit"
)

// WriteText writes the report as an aligned table of the changed values,
// then one line with the verdict, naming each failing syscall and each
// that warns. A side of several runs shows its band ("30..34").
func (r *DiffReport) WriteText(w io.Writer) error {
	t := table{}
	t.header(left("syscall"), left("metric"), right("old"), right("new"), right("change"), left("verdict"))
	for i := range r.Changes {
		c := &r.Changes[i]
		t.row(c.Syscall, c.metricText(), c.oldText(), c.newText(), c.changeText(), c.verdictText())
	}
	var err error
	if len(r.Changes) > 0 {
		err = t.write(w)
	}
	if _, werr := io.WriteString(w, r.verdict()+"\n"); err == nil {
		err = werr
	}
	return err
}

// verdictText is the verdict column: the verdict, then why.
func (c *Change) verdictText() string {
	switch c.Verdict {
	case Fail:
		return "REGRESSION: " + c.Why
	case Warn:
		return "warning: " + c.Why
	case Ignore:
		return "ignored: " + c.Why
	}
	return "ok: " + c.Why
}

// metricText names the metric, or the errno of MetricErrno.
func (c *Change) metricText() string {
	if c.Metric == MetricErrno {
		return c.Errno
	}
	return c.Metric
}

func (c *Change) oldText() string { return c.sideText(c.Old, c.HasOld, c.OldBand, c.OldRuns) }
func (c *Change) newText() string { return c.sideText(c.New, c.HasNew, c.NewBand, c.NewRuns) }

// sideText prints one side's value: "-" when absent, the band of a side
// of several runs, a duration for p95.
func (c *Change) sideText(v int64, present bool, band Band, runs int64) string {
	switch {
	case !present:
		return "-"
	case c.Metric == MetricP95:
		return durationText(v)
	case runs > 1:
		return bandText(band)
	}
	return itoa(v)
}

func (c *Change) changeText() string {
	var s string
	if c.Metric != MetricP95 {
		s = fmt.Sprintf("%+d", c.Delta())
	}
	if pct, ok := c.Pct(); ok {
		p := fmt.Sprintf("%+.1f%%", pct)
		if s == "" {
			return p
		}
		return s + " (" + p + ")"
	}
	return s
}

// verdict is the last line of the text report and the first of the
// Markdown one.
func (r *DiffReport) verdict() string {
	within, flaky := 0, 0
	for _, c := range r.Changes {
		switch {
		case c.Flaky:
			flaky++
		case c.Verdict == OK:
			within++
		}
	}
	var b strings.Builder
	regs, warns := r.Regressions(), r.Warnings()
	switch {
	case len(regs) > 0 && r.opts.Advisory:
		b.WriteString("FAIL (advisory, not failing): ")
	case len(regs) > 0:
		b.WriteString("FAIL: ")
	default:
		b.WriteString("OK: ")
	}
	b.WriteString(plural(r.Compared, "syscall") + " compared")
	if r.OldRuns > 1 || r.NewRuns > 1 {
		fmt.Fprintf(&b, " (%s against %s)", plural(int(r.NewRuns), "run"), plural(int(r.OldRuns), "baseline run"))
	}
	if r.Top != nil {
		fmt.Fprintf(&b, ", counts of the %s making up %s of calls and the total", plural(len(r.Top), "syscall"), pctText(r.opts.TopPct))
	}
	if len(regs) > 0 {
		b.WriteString("; changed beyond tolerance: " + strings.Join(regs, ", "))
	}
	if len(warns) > 0 {
		b.WriteString("; warnings: " + strings.Join(warns, ", "))
	}
	if len(regs) == 0 && len(warns) == 0 && within > 0 {
		fmt.Fprintf(&b, "; %s within tolerance", plural(within, "change"))
	}
	if flaky > 0 {
		fmt.Fprintf(&b, "; %s", plural(flaky, "flaky change"))
	}
	if len(r.Changes) == 0 {
		b.WriteString("; no change")
	}
	return b.String()
}

// plural prints n and the noun, with an s unless n is 1.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return itoa(int64(n)) + " " + noun + "s"
}

// WriteJSON writes one JSON object per change:
// {"syscall":"openat","metric":"calls","old":32,"new":432,"delta":400,
// "pct":1250,"regression":true,"why":"changed by more than 10% and more
// than 5","rule":"count","verdict":"fail"}; "errno" is added for metric
// errno; "old"/"new" are null when absent and "pct" is null when the old
// value is absent or 0; "rule" is absent when no rule judged the change
// (verdict "ok"). A side of several runs adds its band, "old_band" or
// "new_band": [min,max] per run.
func (r *DiffReport) WriteJSON(w io.Writer) error {
	type changeJSON struct {
		Syscall    string   `json:"syscall"`
		Metric     string   `json:"metric"`
		Errno      string   `json:"errno,omitempty"`
		Old        *int64   `json:"old"`
		New        *int64   `json:"new"`
		Delta      int64    `json:"delta"`
		Pct        *float64 `json:"pct"`
		Regression bool     `json:"regression"`
		Why        string   `json:"why"`
		Rule       Rule     `json:"rule,omitempty"`
		Verdict    Severity `json:"verdict"`
		OldBand    *Band    `json:"old_band,omitempty"`
		NewBand    *Band    `json:"new_band,omitempty"`
	}
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	for i := range r.Changes {
		c := &r.Changes[i]
		out := changeJSON{Syscall: c.Syscall, Metric: c.Metric, Errno: c.Errno, Delta: c.Delta(),
			Regression: c.Regression, Why: c.Why, Rule: c.Rule, Verdict: c.Verdict}
		if c.HasOld {
			out.Old = &c.Old
			if c.OldRuns > 1 && c.Metric != MetricP95 {
				out.OldBand = &c.OldBand
			}
		}
		if c.HasNew {
			out.New = &c.New
			if c.NewRuns > 1 && c.Metric != MetricP95 {
				out.NewBand = &c.NewBand
			}
		}
		if pct, ok := c.Pct(); ok {
			rounded := math.Round(pct*10) / 10
			out.Pct = &rounded
		}
		if err := enc.Encode(&out); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// WriteMarkdown writes the report for a pull-request comment (gh pr
// comment --body-file): a heading with the verdict, the verdict line, and
// a table of the changes (syscall, metric, old, new, change, verdict),
// failures first, then warnings, then the rest.
func (r *DiffReport) WriteMarkdown(w io.Writer) error {
	status := "OK"
	switch regs := r.Regressions(); {
	case len(regs) > 0 && r.opts.Advisory:
		status = "FAIL (advisory)"
	case len(regs) > 0:
		status = "FAIL"
	case len(r.Warnings()) > 0:
		status = "OK, with warnings"
	}
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "### Syscall profile: %s\n\n%s\n", status, markdownText(r.verdict()))
	if len(r.Changes) > 0 {
		bw.WriteString("\n| syscall | metric | old | new | change | verdict |\n| --- | --- | ---: | ---: | ---: | --- |\n")
		rank := map[Severity]int{Fail: 0, Warn: 1, Ignore: 2, OK: 3}
		changes := slices.Clone(r.Changes)
		slices.SortStableFunc(changes, func(a, b Change) int { return rank[a.Verdict] - rank[b.Verdict] })
		for i := range changes {
			c := &changes[i]
			verdict := c.verdictText()
			if c.Verdict == Fail {
				verdict = "**" + strings.Replace(verdict, ":", ":**", 1)
			}
			cells := []string{"`" + strings.ReplaceAll(c.Syscall, "`", "'") + "`", c.metricText(), c.oldText(), c.newText(), c.changeText(), verdict}
			bw.WriteString("|")
			for _, cell := range cells {
				bw.WriteString(" " + markdownText(cell) + " |")
			}
			bw.WriteString("\n")
		}
	}
	return bw.Flush()
}

// markdownText makes text safe in a Markdown table cell: one line, valid
// UTF-8, pipes escaped.
func markdownText(s string) string {
	s = strings.NewReplacer("|", `\|`, "\n", " ", "\r", " ").Replace(emit.CleanText(s))
	return s
}
