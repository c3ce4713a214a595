// Package web holds the browser console's page: plain HTML, CSS and
// JavaScript with no build step, embedded in the binary.
package web

import (
	"embed"
	"io/fs"
)

//go:embed index.html console.css console.js srp.js
var files embed.FS

// Assets are the console's files, index.html at the root.
var Assets fs.FS = files
