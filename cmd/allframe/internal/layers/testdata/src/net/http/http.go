// Package http stands in for net/http.
package http

// Handler stands in for http.Handler.
type Handler interface{}
