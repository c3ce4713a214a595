// Package e2e holds buttonflow's end-to-end tests: real servers started in
// process, driven by real clients (gotd/td in Go, GramJS under Node).
package e2e
