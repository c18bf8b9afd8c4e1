//! A small document model the report is built in once, then written as Markdown or HTML.

/// A piece of text inside a line.
#[derive(Debug, Clone, PartialEq)]
pub enum Inline {
    /// Plain text (escaped by each writer).
    Text(String),
    /// Bold text.
    Strong(String),
    /// Code: a query, a host name, a runbook key.
    Code(String),
}

/// A line of inline pieces.
pub type Line = Vec<Inline>;

/// Plain text as a line.
pub fn text(s: impl Into<String>) -> Line {
    vec![Inline::Text(s.into())]
}

/// An entry of a list, with detail lines under it (evidence under a decision).
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The entry's line.
    pub head: Line,
    /// Lines nested under it.
    pub details: Vec<Line>,
}

/// How loud a callout is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// Something the reader must know first (an incomplete journal).
    Warning,
    /// A note.
    Note,
}

/// A chart placed in the report.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    /// Caption.
    pub title: String,
    /// File name the SVG is written to beside a Markdown report (None: not written).
    pub file: Option<String>,
    /// The SVG document.
    pub svg: String,
}

/// A block of the report.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// A heading, level 1 to 4.
    Heading(u8, String),
    /// A paragraph.
    Para(Line),
    /// A bulleted list.
    List(Vec<Entry>),
    /// A table: header and rows of cells.
    Table(Vec<String>, Vec<Vec<Line>>),
    /// Preformatted text (command output).
    Pre(String),
    /// A boxed message.
    Callout(Tone, Vec<Line>),
    /// A chart.
    Chart(Figure),
    /// A blank to fill in by hand, with the question it answers.
    FillIn(String),
}

/// The whole report: a title and blocks.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Doc {
    /// Title (the page title in HTML).
    pub title: String,
    /// Blocks in order.
    pub blocks: Vec<Block>,
}

impl Doc {
    /// Adds a block.
    pub fn push(&mut self, b: Block) {
        self.blocks.push(b);
    }
    /// Adds a heading.
    pub fn h(&mut self, level: u8, s: impl Into<String>) {
        self.blocks.push(Block::Heading(level, s.into()));
    }
    /// Adds a paragraph of plain text.
    pub fn p(&mut self, s: impl Into<String>) {
        self.blocks.push(Block::Para(text(s)));
    }
}

/// Escapes Markdown's punctuation so journal text (rule names, reasons) stays literal.
fn md_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for (i, c) in s.chars().enumerate() {
        match c {
            // `>` and `#` mean something only at the start of a line.
            '>' | '#' if i > 0 => out.push(c),
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

/// Inline code that survives backticks inside it and pipes in tables.
fn md_code(s: &str) -> String {
    let longest = longest_run(s, '`');
    let fence = "`".repeat(longest + 1);
    let body = s.replace(['\n', '\r'], " ").replace('|', "\\|");
    let pad = if body.starts_with('`') || body.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{body}{pad}{fence}")
}

fn longest_run(s: &str, c: char) -> usize {
    let (mut best, mut run) = (0, 0);
    for x in s.chars() {
        run = if x == c { run + 1 } else { 0 };
        best = best.max(run);
    }
    best
}

fn md_line(line: &Line) -> String {
    line.iter()
        .map(|i| match i {
            Inline::Text(t) => md_escape(t),
            Inline::Strong(t) => format!("**{}**", md_escape(t)),
            Inline::Code(t) => md_code(t),
        })
        .collect()
}

/// The report as Markdown (CommonMark with GitHub tables).
pub fn to_markdown(doc: &Doc) -> String {
    let mut out = format!("# {}\n", md_escape(&doc.title));
    for b in &doc.blocks {
        out.push('\n');
        match b {
            Block::Heading(level, t) => {
                let level = (*level).clamp(1, 6) as usize;
                out.push_str(&format!("{} {}\n", "#".repeat(level), md_escape(t)));
            }
            Block::Para(l) => out.push_str(&format!("{}\n", md_line(l))),
            Block::List(entries) => {
                for e in entries {
                    out.push_str(&format!("- {}\n", md_line(&e.head)));
                    for d in &e.details {
                        out.push_str(&format!("  - {}\n", md_line(d)));
                    }
                }
            }
            Block::Table(head, rows) => {
                let cells: Vec<String> = head.iter().map(|h| md_escape(h)).collect();
                out.push_str(&format!("| {} |\n", cells.join(" | ")));
                out.push_str(&format!("|{}\n", "---|".repeat(head.len())));
                for row in rows {
                    let cells: Vec<String> = row.iter().map(md_line).collect();
                    out.push_str(&format!("| {} |\n", cells.join(" | ")));
                }
            }
            Block::Pre(t) => {
                let fence = "`".repeat(longest_run(t, '`').max(2) + 1);
                out.push_str(&format!("{fence}text\n{}\n{fence}\n", t.trim_end()));
            }
            Block::Callout(tone, lines) => {
                let mark = match tone {
                    Tone::Warning => "WARNING",
                    Tone::Note => "NOTE",
                };
                let body: Vec<String> = lines.iter().map(|l| format!("> {}\n", md_line(l))).collect();
                out.push_str(&format!("> [!{mark}]\n{}", body.join(">\n")));
            }
            Block::Chart(f) => match &f.file {
                Some(file) => out.push_str(&format!(
                    "![{}]({})\n",
                    md_escape(&f.title),
                    file.replace(' ', "%20")
                )),
                None => out.push_str(&format!(
                    "*Chart \"{}\": written as an SVG file beside the report with `-o FILE`, or inline with `--format html`.*\n",
                    md_escape(&f.title)
                )),
            },
            Block::FillIn(q) => {
                out.push_str(&format!("*{}*\n\n- _(to fill in)_\n", md_escape(q)));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_keeps_journal_text_literal() {
        assert_eq!(md_escape("a|b *c* <x> #1"), "a\\|b \\*c\\* \\<x> #1");
        assert_eq!(md_escape("> quote"), "\\> quote");
        assert_eq!(md_code("rate(x[1m])"), "`rate(x[1m])`");
        assert_eq!(md_code("a`b"), "``a`b``");
        assert_eq!(md_code("{code=~\"5..\"}|x"), "`{code=~\"5..\"}\\|x`");
    }

    #[test]
    fn pre_fences_outgrow_backticks_in_the_output() {
        let mut d = Doc::default();
        d.push(Block::Pre("```\nhi".into()));
        assert!(to_markdown(&d).contains("````text\n```\nhi\n````"));
    }
}
