// Package pgtest gives tests a fresh, empty PostgreSQL database.
//
// Tests find the server through the environment variable MNR_TEST_POSTGRES_URL, a
// libpq URL of a role that may create databases (.ci/run starts a throwaway cluster
// with .ci/pg-start and sets it). Each call to [Database] creates a new database with
// a random name and drops it when the test ends, so tests never see each other's
// rows and may run in parallel.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvVar names the environment variable that points tests at a PostgreSQL server.
const EnvVar = "MNR_TEST_POSTGRES_URL"

// Database creates an empty database for the test and returns its URL. The database
// is dropped, with any connections still open to it, when the test ends.
//
// Without MNR_TEST_POSTGRES_URL the test is skipped with a message that says how to
// run it; in CI (CI=true) the variable is required and its absence fails the test, so
// a missing server can never pass silently.
func Database(t testing.TB) string {
	t.Helper()
	admin := os.Getenv(EnvVar)
	if admin == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("pgtest: %s is not set in CI; .ci/run must start PostgreSQL", EnvVar)
		}
		t.Skipf("pgtest: PostgreSQL tests not run: set %s (start a server with .ci/pg-start)", EnvVar)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatalf("pgtest: connect to %s: %v", EnvVar, err)
	}
	defer conn.Close(ctx)

	var b [8]byte
	_, _ = rand.Read(b[:])
	name := "mnr_test_" + hex.EncodeToString(b[:])
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, admin)
		if err != nil {
			t.Errorf("pgtest: connect to drop %s: %v", name, err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})

	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("pgtest: %s is not a URL: %v", EnvVar, err)
	}
	u.Path = "/" + name
	return u.String()
}
