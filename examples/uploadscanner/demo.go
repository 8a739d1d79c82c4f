package main

import (
	"embed"
	"io/fs"
	"net/http"
	"path"
)

// demoFiles are the benign generated demo images (see internal/gendemo) and the
// demo hash list built from them. They are abstract gradients and shapes; nothing
// in them depicts anyone.
//
//go:embed testdata/known.png testdata/known-near.jpg testdata/benign-1.png testdata/benign-2.jpg testdata/benign-3.png
var demoFiles embed.FS

// Demo image names, as served under /demo/ and kept in testdata/.
const (
	demoKnown = "known.png"      // in the demo list: exact and PDQ match -> block
	demoNear  = "known-near.jpg" // altered copy: PDQ match only -> quarantine
)

// demoImages lists every embedded demo image by name.
func demoImages() []string {
	return []string{demoKnown, demoNear, "benign-1.png", "benign-2.jpg", "benign-3.png"}
}

// demoImage returns an embedded demo image.
func demoImage(name string) ([]byte, error) {
	return fs.ReadFile(demoFiles, path.Join("testdata", name))
}

// serveDemo serves the embedded demo images at /demo/{name}, so the printed curl
// line works from any directory.
func serveDemo(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	data, err := demoImage(name)
	if err != nil || path.Base(name) != name {
		writeError(w, r, newAPIError(http.StatusNotFound, codeNotFound, "no such demo image"))
		return
	}
	ct := "image/png"
	if path.Ext(name) == ".jpg" {
		ct = "image/jpeg"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Cache-Control", "public, max-age=3600")
	_, _ = w.Write(data)
}
