//! The report as one self-contained HTML file: escaped text, inline SVG charts, readable CSS,
//! no scripts and no external resources.

use super::doc::{Block, Doc, Inline, Line, Tone};

const CSS: &str = "\
:root{color-scheme:light dark;--fg:#1d2330;--bg:#fdfdfc;--muted:#5b6577;--line:#d5d9e0;\
--warn-bg:#fff4d6;--warn-line:#c98a00;--note-bg:#eaf2ff;--note-line:#2f6fd6;--code:#f1f3f6}\
@media (prefers-color-scheme:dark){:root{--fg:#e4e7ec;--bg:#15181e;--muted:#9aa4b5;\
--line:#343a46;--warn-bg:#3a2f10;--warn-line:#e0a526;--note-bg:#16263f;--note-line:#5b95f0;--code:#232833}}\
body{font:16px/1.55 system-ui,-apple-system,'Segoe UI',sans-serif;color:var(--fg);\
background:var(--bg);max-width:64rem;margin:2rem auto;padding:0 1.25rem}\
h1{font-size:1.8rem;margin-bottom:.3rem}h2{margin-top:2.2rem;border-bottom:1px solid var(--line);\
padding-bottom:.2rem}h3{margin-top:1.6rem}\
table{border-collapse:collapse;margin:.8rem 0;font-size:.93rem;display:block;overflow-x:auto}\
th,td{border:1px solid var(--line);padding:.3rem .55rem;text-align:left;vertical-align:top}\
th{background:var(--code)}code,pre{font-family:ui-monospace,'SF Mono',Menlo,Consolas,monospace;\
font-size:.88em;background:var(--code);border-radius:4px}code{padding:.05rem .3rem}\
pre{padding:.7rem .9rem;overflow-x:auto;white-space:pre-wrap}\
.callout{border-left:4px solid;padding:.5rem .9rem;margin:1rem 0;border-radius:4px}\
.callout p{margin:.3rem 0}.warning{background:var(--warn-bg);border-color:var(--warn-line)}\
.note{background:var(--note-bg);border-color:var(--note-line)}\
figure{margin:1rem 0}figure svg{max-width:100%;height:auto;background:#fff;border:1px solid var(--line);\
border-radius:4px}figcaption{color:var(--muted);font-size:.9rem}\
.fill{border:1px dashed var(--line);border-radius:4px;padding:.5rem .9rem;color:var(--muted);min-height:3rem}\
@media print{body{max-width:none}a{color:inherit}}";

/// Escapes text for HTML element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

fn line(l: &Line) -> String {
    l.iter()
        .map(|i| match i {
            Inline::Text(t) => escape(t),
            Inline::Strong(t) => format!("<strong>{}</strong>", escape(t)),
            Inline::Code(t) => format!("<code>{}</code>", escape(t)),
        })
        .collect()
}

/// Drops the XML declaration so the SVG can sit inside HTML.
fn inline_svg(svg: &str) -> &str {
    match svg.find("<svg") {
        Some(i) => &svg[i..],
        None => svg,
    }
}

/// The report as HTML.
pub fn to_html(doc: &Doc) -> String {
    let mut out = String::new();
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    out.push_str(&format!("<title>{}</title>\n", escape(&doc.title)));
    out.push_str(&format!("<style>{CSS}</style>\n</head>\n<body>\n"));
    out.push_str(&format!("<h1>{}</h1>\n", escape(&doc.title)));
    for b in &doc.blocks {
        match b {
            Block::Heading(level, t) => {
                let n = (*level).clamp(1, 6);
                out.push_str(&format!("<h{n}>{}</h{n}>\n", escape(t)));
            }
            Block::Para(l) => out.push_str(&format!("<p>{}</p>\n", line(l))),
            Block::List(entries) => {
                out.push_str("<ul>\n");
                for e in entries {
                    out.push_str(&format!("<li>{}", line(&e.head)));
                    if !e.details.is_empty() {
                        out.push_str("\n<ul>\n");
                        for d in &e.details {
                            out.push_str(&format!("<li>{}</li>\n", line(d)));
                        }
                        out.push_str("</ul>\n");
                    }
                    out.push_str("</li>\n");
                }
                out.push_str("</ul>\n");
            }
            Block::Table(head, rows) => {
                out.push_str("<table>\n<thead><tr>");
                for h in head {
                    out.push_str(&format!("<th>{}</th>", escape(h)));
                }
                out.push_str("</tr></thead>\n<tbody>\n");
                for row in rows {
                    out.push_str("<tr>");
                    for c in row {
                        out.push_str(&format!("<td>{}</td>", line(c)));
                    }
                    out.push_str("</tr>\n");
                }
                out.push_str("</tbody>\n</table>\n");
            }
            Block::Pre(t) => out.push_str(&format!("<pre>{}</pre>\n", escape(t.trim_end()))),
            Block::Callout(tone, lines) => {
                let class = match tone {
                    Tone::Warning => "callout warning",
                    Tone::Note => "callout note",
                };
                out.push_str(&format!("<div class=\"{class}\">\n"));
                for l in lines {
                    out.push_str(&format!("<p>{}</p>\n", line(l)));
                }
                out.push_str("</div>\n");
            }
            Block::Chart(f) => out.push_str(&format!(
                "<figure>\n{}\n<figcaption>{}</figcaption>\n</figure>\n",
                inline_svg(&f.svg).trim_end(),
                escape(&f.title)
            )),
            Block::FillIn(q) => out.push_str(&format!(
                "<p><em>{}</em></p>\n<div class=\"fill\">to fill in</div>\n",
                escape(q)
            )),
        }
    }
    out.push_str("</body>\n</html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::doc::text;

    #[test]
    fn journal_text_cannot_inject_markup() {
        let mut d = Doc {
            title: "<script>alert(1)</script>".into(),
            ..Doc::default()
        };
        d.push(Block::Para(text("a & b \"c\" <img src=x>")));
        let html = to_html(&d);
        assert!(!html.contains("<script>"));
        assert!(!html.contains("<img"));
        assert!(html.contains("a &amp; b &quot;c&quot; &lt;img src=x&gt;"));
    }
}
