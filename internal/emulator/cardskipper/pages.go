package cardskipper

import (
	"fmt"
	"html"
	"net/http"
)

// aspnetPage renders an ASP.NET "yellow screen" error page: what the real
// service sends for a request it cannot handle. It is HTML, not XML (and not
// even well-formed XML: <hr> and <br> are not closed), which is the point: a
// client must not feed it to an XML decoder and report a syntax error.
func aspnetPage(title, description string) []byte {
	t := html.EscapeString(title)
	return fmt.Appendf(nil, `<!DOCTYPE html>
<html>
    <head>
        <title>%[1]s</title>
        <meta name="viewport" content="width=device-width" />
        <style>
         body {font-family:"Verdana";font-weight:normal;font-size: .7em;color:black;}
         H1 { font-family:"Verdana";font-weight:normal;font-size:18pt;color:red }
         H2 { font-family:"Verdana";font-weight:normal;font-size:14pt;color:maroon }
        </style>
    </head>

    <body bgcolor="white">

            <span><H1>Server Error in '/' Application.<hr width=100%% size=1 color=silver></H1>

            <h2> <i>%[1]s</i> </h2></span>

            <font face="Arial, Helvetica, Geneva, SunSans-Regular, sans-serif ">

            <b> Description: </b>%[2]s
            <br><br>

            <b> Exception Details: </b>System.Web.HttpException: %[1]s<br><br>

            <hr width=100%% size=1 color=silver>

            <b>Version Information:</b>&nbsp;Microsoft .NET Framework Version:4.0.30319; ASP.NET Version:4.8.4645.0

            </font>

    </body>
</html>
<!--
[HttpException]: %[1]s
   at System.Web.Http.HttpServer.SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
-->
`, t, html.EscapeString(description))
}

// writePage sends an ASP.NET error page with the given status.
func writePage(w http.ResponseWriter, status int, title, description string) {
	body := aspnetPage(title, description)
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", fmt.Sprint(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// writeShort sends the short text IIS answers with for 401 and 403.
func writeShort(w http.ResponseWriter, status int, text string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	_, _ = fmt.Fprintln(w, text)
}
