// Package report writes the mismatch report of a plan or of a past run
// (`doorsync report --format csv|json|md|html [--out FILE] [--run ID]`, and
// the console's export).
//
// A Report is built with FromPlan for a plan (the report command, the
// console's export of the rows shown or of all) or from the items of a
// recorded run (service.RunReport), and handed to Write or WriteFile. Every format carries the
// same fields; the formats differ only in presentation:
//
//   - CSV: one header row and one row per item, RFC 4180 (comma, CRLF, quotes
//     doubled), UTF-8 **with a byte-order mark**. The gym's admin opens the file
//     in Excel on Windows, which reads a BOM-less file as the ANSI code page and
//     turns "Žiga Čeh" into "Å½iga ÄŒeh"; with the BOM Excel, LibreOffice and
//     Python's "utf-8-sig" all read it right. Tools that do not skip a BOM see
//     it at the start of the first header cell ("\ufeffkind"). Text cells that
//     a spreadsheet would run as a formula (starting with = + - @, a tab or a
//     line break) get a leading apostrophe (OWASP "CSV injection"): a member
//     may name herself =HYPERLINK(…) in Cardskipper's self-service.
//   - JSON: {"version":1, …} with every field always present, for scripts.
//   - Markdown: summary per kind, targets, then one table per kind; table
//     cells escape Markdown punctuation, so a name cannot break the table or
//     inject HTML into a renderer.
//   - HTML: one self-contained page (inline CSS, no script, no external
//     resource, a Content-Security-Policy that forbids both), every value
//     escaped by html/template.
//
// WriteFile writes atomically (temporary file in the same directory, fsync,
// rename) with mode 0640: reports hold members' e-mail addresses and must not
// be world-readable.
package report
