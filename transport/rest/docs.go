package rest

import (
	"html"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/allframe-go/allframe/transport/rest/internal/swaggerui"
)

// docsInitializer starts Swagger UI on the App's OpenAPI document. The
// validator badge is off: it would send the document to
// validator.swagger.io.
const docsInitializer = `window.onload = function() {
  window.ui = SwaggerUIBundle({
    url: "../openapi.json",
    dom_id: '#swagger-ui',
    deepLinking: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    plugins: [SwaggerUIBundle.plugins.DownloadUrl],
    layout: "StandaloneLayout"
  });
};
`

// docsPage is Swagger UI's index.html with the App's title; the ?v= on
// the assets lets browsers cache them for good.
func docsPage(title string) []byte {
	v := "?v=" + swaggerui.Version
	return []byte(`<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8">
    <title>` + html.EscapeString(title) + ` — API docs</title>
    <link rel="stylesheet" type="text/css" href="./swagger-ui.css` + v + `" />
    <link rel="stylesheet" type="text/css" href="./index.css` + v + `" />
    <link rel="icon" type="image/png" href="./favicon-32x32.png` + v + `" sizes="32x32" />
    <link rel="icon" type="image/png" href="./favicon-16x16.png` + v + `" sizes="16x16" />
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="./swagger-ui-bundle.js` + v + `" charset="UTF-8"></script>
    <script src="./swagger-ui-standalone-preset.js` + v + `" charset="UTF-8"></script>
    <script src="./swagger-initializer.js" charset="UTF-8"></script>
  </body>
</html>
`)
}

// mountDocs serves Swagger UI at /docs/ from the files the page loads,
// embedded in the binary (package swaggerui), so the page works offline;
// they are stored gzip-compressed and sent so to browsers (package
// gzasset).
func mountDocs(e *echo.Echo, title string) {
	index := docsPage(title)
	files := swaggerui.Files()
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
	e.GET("/docs/*", func(c echo.Context) error {
		// Only the embedded files: anything else is a problem+json 404,
		// never the file server's text/plain one or a directory listing.
		name := c.Param("*")
		if !files.Has(name) {
			return echo.ErrNotFound
		}
		if c.QueryParam("v") == swaggerui.Version { // a versioned URL never changes
			c.Response().Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		}
		files.Serve(c.Response(), c.Request(), name)
		return nil
	})
}
