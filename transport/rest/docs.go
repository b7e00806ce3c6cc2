package rest

import (
	"html"
	"io/fs"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	swaggerFiles "github.com/swaggo/files/v2"
)

const docsInitializer = `window.onload = function() {
  window.ui = SwaggerUIBundle({
    url: "../openapi.json",
    dom_id: '#swagger-ui',
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    plugins: [SwaggerUIBundle.plugins.DownloadUrl],
    layout: "StandaloneLayout"
  });
};
`

// mountDocs serves Swagger UI at /docs/ from assets embedded in the binary
// (github.com/swaggo/files/v2), so the page works offline.
func mountDocs(e *echo.Echo, title string) {
	index, err := fs.ReadFile(swaggerFiles.FS, "index.html")
	if err == nil {
		index = []byte(replaceTitle(string(index), html.EscapeString(title)+" — API docs"))
	}
	e.GET("/docs", func(c echo.Context) error {
		return c.Redirect(http.StatusMovedPermanently, "/docs/")
	})
	e.GET("/docs/", func(c echo.Context) error {
		return c.HTMLBlob(http.StatusOK, index)
	})
	e.GET("/docs/index.html", func(c echo.Context) error {
		return c.HTMLBlob(http.StatusOK, index)
	})
	e.GET("/docs/swagger-initializer.js", func(c echo.Context) error {
		return c.Blob(http.StatusOK, "application/javascript", []byte(docsInitializer))
	})
	assets := http.StripPrefix("/docs/", http.FileServerFS(swaggerFiles.FS))
	e.GET("/docs/*", func(c echo.Context) error {
		// Only the embedded files: anything else is a problem+json 404,
		// never the file server's text/plain one or a directory listing.
		if st, err := fs.Stat(swaggerFiles.FS, c.Param("*")); err != nil || !st.Mode().IsRegular() {
			return echo.ErrNotFound
		}
		assets.ServeHTTP(c.Response(), c.Request())
		return nil
	})
}

func replaceTitle(page, title string) string {
	const open, closeTag = "<title>", "</title>"
	i := strings.Index(page, open)
	j := strings.Index(page, closeTag)
	if i < 0 || j < i {
		return page
	}
	return page[:i+len(open)] + title + page[j:]
}
