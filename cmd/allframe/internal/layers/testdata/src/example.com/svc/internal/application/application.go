package application

import (
	_ "example.com/svc/internal/adapters/api" // want `the application layer must not import the adapters layer`
	_ "github.com/allframe-go/allframe/di"    // want `transports belong in the adapters layer`
)
