// Package cqrs provides commands, queries, event-sourced aggregates,
// projections and event subscriptions on top of a pluggable event store.
package cqrs
