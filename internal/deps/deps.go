//go:build tools

// Package deps pins the module's dependencies while the packages that use them are
// being written. It is removed once every dependency has a real importer.
package deps

import (
	_ "github.com/bits-and-blooms/bloom/v3"
	_ "github.com/chromedp/chromedp"
	_ "github.com/corona10/goimagehash"
	_ "github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/pgxpool"
	_ "github.com/klauspost/compress/zstd"
	_ "github.com/prometheus/client_golang/prometheus"
	_ "github.com/prometheus/client_golang/prometheus/promhttp"
	_ "github.com/stretchr/testify/require"
	_ "go.etcd.io/bbolt"
	_ "golang.org/x/image/webp"
	_ "golang.org/x/image/bmp"
	_ "golang.org/x/image/tiff"
	_ "golang.org/x/time/rate"
)
