package main

import (
	_ "example.com/svc/internal/adapters/api"
	_ "net/http"
)

func main() {}
