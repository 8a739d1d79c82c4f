package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// copyDemoList writes the demo list, its signature and key into dir.
func copyDemoList(t *testing.T, dir string) (list, key string) {
	t.Helper()
	for _, n := range []string{"demo.mnrlist", "demo.mnrlist.sig", "demo-key.pub"} {
		b, err := demoListFiles.ReadFile("testdata/" + n)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, n), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "demo.mnrlist"), filepath.Join(dir, "demo-key.pub")
}

func TestListFiles(t *testing.T) {
	dir := t.TempDir()
	list, key := copyDemoList(t, dir)

	t.Run("signed list with its key", func(t *testing.T) {
		ts := newTestServer(t, nil, "-hashlist", list, "-list-key", key)
		if _, a := scanRaw(t, ts.url, mustDemo(t, demoKnown)); a.Decision != decisionBlock {
			t.Fatalf("decision %q", a.Decision)
		}
		// A damaged file fails the reload and the old lists stay in use.
		if err := os.Truncate(list, 100); err != nil {
			t.Fatal(err)
		}
		var e scanAnswer
		resp, _ := do(t, nil, "POST", ts.url+"/v1/lists/reload", nil, nil, &e)
		if resp.StatusCode != 422 || e.Error == nil || e.Error.Code != codeInvalidList {
			t.Fatalf("reload of a damaged list: %d %+v", resp.StatusCode, e.Error)
		}
		if _, a := scanRaw(t, ts.url, mustDemo(t, demoKnown)); a.Decision != decisionBlock {
			t.Fatalf("after a failed reload: decision %q, want the old lists' block", a.Decision)
		}
		if m := scrape(t, ts.url); m[`uploadscanner_hashlist_reloads_total{result="error"}`] != 1 {
			t.Errorf("reloads_total(error) = %v", m[`uploadscanner_hashlist_reloads_total{result="error"}`])
		}
	})

	t.Run("unsigned list needs the opt-in", func(t *testing.T) {
		csv := filepath.Join(dir, "mine.csv")
		os.WriteFile(csv, []byte("kind,hash,categories,id\nmd5,"+md5Hex(mustDemo(t, "benign-2.jpg"))+",csam,42\n"), 0o644)
		_, err := parseAndBuild(t, "-hashlist", csv)
		if err == nil || !strings.Contains(err.Error(), "-allow-unsigned-lists") {
			t.Fatalf("unsigned list without the opt-in: %v", err)
		}
		ts := newTestServer(t, nil, "-hashlist", csv, "-allow-unsigned-lists")
		_, a := scanRaw(t, ts.url, mustDemo(t, "benign-2.jpg"))
		if a.Decision != decisionBlock || len(a.Matches) != 1 || a.Matches[0].List != "mine" || a.Matches[0].Entry != "42" {
			t.Fatalf("CSV list match: %+v", a)
		}
	})

	t.Run("key does not verify the list", func(t *testing.T) {
		csv := filepath.Join(dir, "other.csv")
		os.WriteFile(csv, []byte("kind,hash\nmd5,"+md5Hex([]byte("x"))+"\n"), 0o644)
		if _, err := parseAndBuild(t, "-hashlist", csv, "-list-key", key); err == nil {
			t.Fatal("an unsigned list loaded although -list-key was given")
		}
	})
}

// parseAndBuild runs buildServer on flags and closes what it built.
func parseAndBuild(t *testing.T, args ...string) (*server, error) {
	t.Helper()
	cfg, err := parseConfig(args, func(string) string { return "" }, io.Discard)
	if err != nil {
		return nil, err
	}
	s, sv, err := buildServer(context.Background(), cfg, discardLogger(), func(string) string { return "" })
	if err == nil {
		sv.close()
	}
	return s, err
}

func TestStartupChecksReports(t *testing.T) {
	_, err := parseAndBuild(t, "-reporter-email", "not-an-email")
	if err == nil || !strings.Contains(err.Error(), "-reporter-email") {
		t.Fatalf("a bad reporter e-mail at startup: %v", err)
	}
}
