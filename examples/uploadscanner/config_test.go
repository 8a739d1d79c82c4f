package main

import (
	"flag"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestParseConfig(t *testing.T) {
	t.Run("defaults", func(t *testing.T) {
		c, err := parseConfig(nil, env(nil), io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		if c.addr != "127.0.0.1:8080" || c.maxUploadBytes != 20<<20 || c.maxPixels != defaultMaxPixels ||
			c.store != "" || len(c.hashlists) != 0 || c.reviewToken != "" || c.logFormat != "text" ||
			c.shutdownTimeout != 10*time.Second || c.maxDecodes < 1 {
			t.Errorf("defaults wrong: %+v", c)
		}
		if !reflect.DeepEqual(c.jurisdictions, []string{"US", "EU"}) {
			t.Errorf("jurisdictions = %v", c.jurisdictions)
		}
	})
	t.Run("env fallback", func(t *testing.T) {
		c, err := parseConfig(nil, env(map[string]string{
			"UPLOADSCANNER_ADDR":             "127.0.0.1:0",
			"UPLOADSCANNER_MAX_PIXELS":       "1000",
			"UPLOADSCANNER_HASHLIST":         "a.mnr, b.csv",
			"UPLOADSCANNER_JURISDICTIONS":    "gb, de",
			"UPLOADSCANNER_REVIEW_TOKEN":     "s3cret",
			"UPLOADSCANNER_STORE":            "bolt:/tmp/x.db",
			"UPLOADSCANNER_SHUTDOWN_TIMEOUT": "3s",
			"UPLOADSCANNER_LOG_FORMAT":       "json",
		}), io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		if c.addr != "127.0.0.1:0" || c.maxPixels != 1000 || c.reviewToken != "s3cret" || c.store != "bolt:/tmp/x.db" ||
			c.shutdownTimeout != 3*time.Second || c.logFormat != "json" {
			t.Errorf("env not applied: %+v", c)
		}
		if !reflect.DeepEqual(c.hashlists, []string{"a.mnr", "b.csv"}) {
			t.Errorf("hashlists = %q", c.hashlists)
		}
		if !reflect.DeepEqual(c.jurisdictions, []string{"GB", "DE"}) {
			t.Errorf("jurisdictions = %q", c.jurisdictions)
		}
	})
	t.Run("flag beats env", func(t *testing.T) {
		c, err := parseConfig([]string{"-addr", "127.0.0.1:9999", "-hashlist", "x.mnr", "-hashlist", "y.mnr"},
			env(map[string]string{"UPLOADSCANNER_ADDR": "127.0.0.1:1", "UPLOADSCANNER_HASHLIST": "z.mnr"}), io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		if c.addr != "127.0.0.1:9999" {
			t.Errorf("addr = %q, want the flag's", c.addr)
		}
		if !reflect.DeepEqual(c.hashlists, []string{"x.mnr", "y.mnr"}) {
			t.Errorf("hashlists = %q, want the flags' only", c.hashlists)
		}
	})
	t.Run("help", func(t *testing.T) {
		var out strings.Builder
		_, err := parseConfig([]string{"-h"}, env(nil), &out)
		if err != flag.ErrHelp {
			t.Fatalf("err = %v, want flag.ErrHelp", err)
		}
		for _, want := range []string{"-max-upload-bytes", "UPLOADSCANNER_MAX_PIXELS", "-review-token"} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("usage lacks %q", want)
			}
		}
	})
	bad := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"bad env int", nil, map[string]string{"UPLOADSCANNER_MAX_PIXELS": "lots"}, "UPLOADSCANNER_MAX_PIXELS"},
		{"zero upload cap", []string{"-max-upload-bytes", "0"}, nil, "-max-upload-bytes"},
		{"zero decodes", []string{"-max-decodes", "0"}, nil, "-max-decodes"},
		{"log format", []string{"-log-format", "xml"}, nil, "-log-format"},
		{"store scheme", []string{"-store", "mysql://u:hunter2@db/x"}, nil, "-store"},
		{"bolt without path", []string{"-store", "bolt:"}, nil, "bolt:"},
		{"agency url", []string{"-cybertip-url", "ftp://x"}, nil, "-cybertip-url"},
		{"no jurisdictions", []string{"-jurisdictions", " , "}, nil, "-jurisdictions"},
		{"stray argument", []string{"serve"}, nil, "unexpected argument"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseConfig(tc.args, env(tc.env), io.Discard)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want mention of %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error echoes a password: %v", err)
			}
		})
	}
}
