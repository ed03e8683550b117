// Package dbtest opens migrated stores for tests: always on SQLite in a
// temporary directory, and on PostgreSQL when HUB_TEST_DATABASE_URL is set,
// each test in a schema of its own that is dropped afterwards.
//
// When HUB_TEST_DATABASE_URL is unset the PostgreSQL half is skipped with a
// loud message, unless HUB_REQUIRE_POSTGRES is set (CI sets it), in which
// case it fails.
package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/bgimigranti/hub/db"
)

// EnvURL names the environment variable with the PostgreSQL URL for tests.
const EnvURL = "HUB_TEST_DATABASE_URL"

// Each runs fn as a subtest on every available database: "sqlite" and, when
// configured, "postgres".
func Each(t *testing.T, fn func(t *testing.T, s *db.Store)) {
	t.Helper()
	for _, d := range []db.Dialect{db.SQLite, db.Postgres} {
		t.Run(name(d), func(t *testing.T) {
			fn(t, Open(t, d))
		})
	}
}

func name(d db.Dialect) string {
	if d == db.Postgres {
		return "postgres"
	}
	return "sqlite"
}

var warnOnce sync.Once

// Warn says loudly that tests are being skipped: on standard error, which
// `go test -v` shows, and on the controlling terminal when there is one,
// because `go test ./...` hides the output of packages that pass.
func Warn(msg string) {
	line := "\n*** " + msg + " ***\n\n"
	fmt.Fprint(os.Stderr, line)
	if tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0); err == nil {
		fmt.Fprint(tty, line)
		tty.Close()
	}
}

// Open returns a freshly migrated, empty Store on the given engine, closed
// (and on PostgreSQL dropped) when the test ends.
func Open(t testing.TB, d db.Dialect) *db.Store {
	t.Helper()
	dsn := DSN(t, d)
	ctx := context.Background()
	s, err := db.Open(ctx, dsn)
	if err != nil {
		t.Fatalf("dbtest: open %s: %v", d, err)
	}
	t.Cleanup(func() { s.Close() })
	// Tests create many accounts; production's argon2id cost is checked
	// once, in db's own password test.
	s.UseFastPasswordHashing()
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatalf("dbtest: migrate %s: %v", d, err)
	}
	return s
}

// DSN returns a URL for a new, empty database on the given engine that
// lives as long as the test: a file in a temporary directory for SQLite, a
// new schema for PostgreSQL. It skips (or fails, under HUB_REQUIRE_POSTGRES)
// when PostgreSQL is not configured.
func DSN(t testing.TB, d db.Dialect) string {
	t.Helper()
	if d == db.SQLite {
		return "sqlite:" + filepath.Join(t.TempDir(), "hub.db")
	}
	base := os.Getenv(EnvURL)
	if base == "" {
		if os.Getenv("HUB_REQUIRE_POSTGRES") != "" {
			t.Fatalf("dbtest: %s is not set but HUB_REQUIRE_POSTGRES is: PostgreSQL tests must run", EnvURL)
		}
		warnOnce.Do(func() {
			Warn(fmt.Sprintf("%s is not set: SKIPPING every PostgreSQL test (run `eval \"$(bash .ci/postgres start)\"` to include them)", EnvURL))
		})
		t.Skipf("PostgreSQL not configured: set %s", EnvURL)
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	admin, err := sql.Open("postgres", base)
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("dbtest: create schema: %v", err)
	}
	t.Cleanup(func() {
		admin, err := sql.Open("postgres", base)
		if err != nil {
			return
		}
		defer admin.Close()
		admin.Exec("DROP SCHEMA " + schema + " CASCADE")
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("dbtest: %s: %v", EnvURL, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
