package main

// The CSV output loads as-is into real databases: sqlite3's .import --csv
// and PostgreSQL's COPY ... CSV HEADER, into typed columns. Each test loads
// `stracectl parse --csv --raw` of corpus captures and compares every row
// with `stracectl parse --raw` (JSON) of the same capture.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// eventsColumns is the table both databases load, in the CSV's column
// order (the header names them), raw included.
const eventsColumns = `kind text NOT NULL, time text, rel double precision, pid bigint NOT NULL, tgid bigint, comm text,
	syscall text, args text, ret text, retval bigint, errno text, errmsg text, note text, duration_ns bigint,
	signal text, siginfo text, exit_code bigint, core_dumped boolean, secontext text, raw text`

// dbTraces are captures with multi-line raw text (split calls), -y
// decorations holding commas and quotes, -T durations and errors.
var dbTraces = []string{"mixed-2to1-sh-f-T", "net-tcp-udp-f-yy", "tar-czf-f-y", "sigkill-child-f"}

// loadCase is one capture as parse writes it: CSV to load, JSON to compare.
type loadCase struct {
	name   string
	csv    []byte
	events []event
}

func loadCases(t *testing.T) []loadCase {
	t.Helper()
	var cases []loadCase
	for _, name := range dbTraces {
		trace := corpusTrace(t, name)
		c := runStracectl(t, nil, "parse", "--csv", "--raw", trace)
		j := runStracectl(t, nil, "parse", "--raw", trace)
		if c.code != 0 || j.code != 0 {
			t.Fatalf("%s: parse exit %d / %d: %s", name, c.code, j.code, c.stderr)
		}
		cases = append(cases, loadCase{name, c.stdout, decodeEvents(t, j.stdout)})
	}
	var multiline, quoted bool
	for _, lc := range cases {
		for _, ev := range lc.events {
			raw := orEmpty(ev.Raw)
			multiline = multiline || strings.Contains(raw, "\n")
			quoted = quoted || strings.Contains(raw, `", "`)
		}
	}
	if !multiline || !quoted {
		t.Fatalf("the captures no longer hold a split call (%v) or quoted commas (%v) for the loaders to carry", multiline, quoted)
	}
	return cases
}

// compareRows fails t unless the rows a database returns (as JSON objects,
// in load order) hold the events parse wrote: the same text, and numbers
// in integer columns. A database may read an empty field as null or "".
func compareRows(t *testing.T, name string, rows []map[string]any, events []event) {
	t.Helper()
	if len(rows) != len(events) {
		t.Fatalf("%s: %d rows, %d events", name, len(rows), len(events))
	}
	text := func(v any) string {
		switch v := v.(type) {
		case nil:
			return ""
		case string:
			return v
		case float64:
			return strconv.FormatFloat(v, 'f', -1, 64)
		case bool:
			return strconv.FormatBool(v)
		}
		return fmt.Sprint(v)
	}
	number := func(v *int64) string {
		if v == nil {
			return ""
		}
		return strconv.FormatInt(*v, 10)
	}
	for i, ev := range events {
		row := rows[i]
		want := map[string]string{
			"kind": ev.Kind, "time": ev.Time, "pid": strconv.FormatInt(ev.Pid, 10), "comm": ev.Comm,
			"syscall": ev.Syscall, "args": strings.Join(ev.Args, ", "), "ret": orEmpty(ev.Ret),
			"retval": number(ev.Retval), "errno": ev.Errno, "errmsg": ev.Errmsg, "note": ev.Note,
			"duration_ns": number(ev.DurationNs), "signal": ev.Signal, "siginfo": ev.Siginfo,
			"exit_code": number(ev.ExitCode), "raw": orEmpty(ev.Raw),
		}
		for col, w := range want {
			if g := text(row[col]); g != w {
				t.Fatalf("%s row %d: %s = %q, event has %q", name, i+1, col, g, w)
			}
		}
		for _, col := range []string{"pid", "retval", "duration_ns", "exit_code"} {
			if _, isString := row[col].(string); isString && row[col] != "" {
				t.Fatalf("%s row %d: %s = %q is text, not an integer", name, i+1, col, row[col])
			}
		}
	}
}

// orEmpty is the text s points at, "" for none.
func orEmpty(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// openatByErrno counts the events of openat per errno ("" for successes).
func openatByErrno(events []event) map[string]int {
	m := map[string]int{}
	for _, ev := range events {
		if ev.Syscall == "openat" && ev.Ret != nil {
			m[ev.Errno]++
		}
	}
	return m
}

func TestCSVIntoSQLite(t *testing.T) {
	sqlite, err := exec.LookPath("sqlite3")
	if err != nil {
		t.Skip("sqlite3 not found in PATH — install it with: apt install sqlite3")
	}
	for _, lc := range loadCases(t) {
		t.Run(lc.name, func(t *testing.T) {
			dir := t.TempDir()
			csvPath := filepath.Join(dir, "events.csv")
			if err := os.WriteFile(csvPath, lc.csv, 0o644); err != nil {
				t.Fatal(err)
			}
			db := filepath.Join(dir, "events.db")
			script := "CREATE TABLE events (" + eventsColumns + ");\n.import --csv --skip 1 " + csvPath + " events\n"
			load := exec.Command(sqlite, "-bail", db)
			load.Stdin = strings.NewReader(script)
			if out, err := load.CombinedOutput(); err != nil || len(out) != 0 {
				t.Fatalf("loading: %v\n%s", err, out)
			}
			query := func(sql string) []byte {
				out, err := exec.Command(sqlite, "-bail", "-json", db, sql).Output()
				if err != nil {
					t.Fatalf("%s: %v", sql, err)
				}
				return out
			}
			var rows []map[string]any
			if err := json.Unmarshal(query("SELECT * FROM events ORDER BY rowid"), &rows); err != nil {
				t.Fatal(err)
			}
			compareRows(t, lc.name, rows, lc.events)

			var byErrno []struct {
				Errno string `json:"errno"`
				N     int    `json:"n"`
			}
			json.Unmarshal(query("SELECT errno, count(*) AS n FROM events WHERE syscall = 'openat' AND ret <> '' GROUP BY errno"), &byErrno)
			got := map[string]int{}
			for _, r := range byErrno {
				got[r.Errno] = r.N
			}
			if want := openatByErrno(lc.events); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("openat by errno: %v in SQLite, %v in the JSON output", got, want)
			}
			var types []struct {
				T string `json:"t"`
			}
			json.Unmarshal(query("SELECT DISTINCT typeof(pid) AS t FROM events UNION SELECT DISTINCT typeof(retval) FROM events WHERE retval <> ''"+
				" UNION SELECT DISTINCT typeof(duration_ns) FROM events WHERE duration_ns <> ''"), &types)
			if len(types) != 1 || types[0].T != "integer" {
				t.Errorf("pid, retval, duration_ns stored as %v, want integer", types)
			}
		})
	}
}

// postgres is a throwaway PostgreSQL cluster listening on a Unix socket in
// a temporary directory, owned by the postgres user (initdb refuses root).
type postgres struct {
	bin, dir string
}

// startPostgres initdb's and starts a cluster, stopped and removed at the
// end of the test.
func startPostgres(t *testing.T) *postgres {
	t.Helper()
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if _, err := exec.LookPath("psql"); len(bins) == 0 || err != nil {
		t.Skip("PostgreSQL not found (no /usr/lib/postgresql/*/bin/initdb or psql) — install it with: apt install postgresql")
	}
	pg := &postgres{bin: filepath.Dir(bins[len(bins)-1])}
	dir, err := os.MkdirTemp("", "stracectl-pg-")
	if err != nil {
		t.Fatal(err)
	}
	pg.dir = dir
	t.Cleanup(func() { os.RemoveAll(dir) })
	run := func(name string, args ...string) {
		t.Helper()
		cmd := exec.Command(filepath.Join(pg.bin, name), args...)
		if os.Geteuid() == 0 {
			u, err := user.Lookup("postgres")
			if err != nil {
				t.Skip("running as root and no postgres user to run the server as — install PostgreSQL with: apt install postgresql")
			}
			if out, err := exec.Command("chown", "-R", u.Username, dir).CombinedOutput(); err != nil {
				t.Fatalf("chown: %v %s", err, out)
			}
			cmd = exec.Command("runuser", append([]string{"-u", u.Username, "--", cmd.Path}, args...)...)
		}
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", name, err, out)
		}
	}
	data := filepath.Join(dir, "data")
	run("initdb", "--auth=trust", "--username=postgres", "--encoding=UTF8", "--no-sync", "-D", data)
	run("pg_ctl", "-D", data, "-l", filepath.Join(dir, "log"), "-w", "-o", "-k "+dir+" -c listen_addresses='' -c fsync=off", "start")
	t.Cleanup(func() {
		cmd := exec.Command(filepath.Join(pg.bin, "pg_ctl"), "-D", data, "-m", "immediate", "-w", "stop")
		if os.Geteuid() == 0 {
			cmd = exec.Command("runuser", "-u", "postgres", "--", cmd.Path, "-D", data, "-m", "immediate", "-w", "stop")
		}
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("stopping PostgreSQL: %v\n%s", err, out)
		}
	})
	return pg
}

// psql runs SQL with stdin as COPY's input and returns the output.
func (pg *postgres) psql(t *testing.T, stdin []byte, sql string) []byte {
	t.Helper()
	cmd := exec.Command("psql", "-h", pg.dir, "-U", "postgres", "-d", "postgres", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql)
	cmd.Stdin = bytes.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("psql %s: %v\n%s", sql, err, stderr.Bytes())
	}
	return out
}

func TestCSVIntoPostgreSQL(t *testing.T) {
	slow(t)
	cases := loadCases(t)
	pg := startPostgres(t)
	for _, lc := range cases {
		t.Run(lc.name, func(t *testing.T) {
			pg.psql(t, nil, "DROP TABLE IF EXISTS events; CREATE TABLE events (id bigint GENERATED ALWAYS AS IDENTITY, "+eventsColumns+")")
			cols := "kind, time, rel, pid, tgid, comm, syscall, args, ret, retval, errno, errmsg, note, duration_ns, signal, siginfo, exit_code, core_dumped, secontext, raw"
			pg.psql(t, lc.csv, "COPY events ("+cols+") FROM STDIN (FORMAT csv, HEADER true)")
			var rows []map[string]any
			out := pg.psql(t, nil, "SELECT coalesce(json_agg(e ORDER BY id), '[]') FROM events e")
			if err := json.Unmarshal(out, &rows); err != nil {
				t.Fatalf("%v: %.200s", err, out)
			}
			compareRows(t, lc.name, rows, lc.events)
			got := map[string]int{}
			for _, line := range strings.Split(strings.TrimSpace(string(pg.psql(t, nil,
				"SELECT coalesce(errno, '') || '|' || count(*) FROM events WHERE syscall = 'openat' AND ret IS NOT NULL GROUP BY errno"))), "\n") {
				if k, n, ok := strings.Cut(line, "|"); ok {
					got[k], _ = strconv.Atoi(n)
				}
			}
			if want := openatByErrno(lc.events); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("openat by errno: %v in PostgreSQL, %v in the JSON output", got, want)
			}
			var sum int64
			for _, ev := range lc.events {
				if ev.DurationNs != nil {
					sum += *ev.DurationNs
				}
			}
			if got := strings.TrimSpace(string(pg.psql(t, nil, "SELECT coalesce(sum(duration_ns), 0) FROM events"))); got != strconv.FormatInt(sum, 10) {
				t.Errorf("sum(duration_ns) = %s in PostgreSQL, %d in the JSON output", got, sum)
			}
		})
	}
}
