//! The small PromQL-like language of scrape mode (docs/metrics.md): selectors with label
//! matchers, `rate(...)`, `sum|avg|min|max|count [by (...)] (...)`, and `A / B`.
//!
//! Anything else is refused with an error that names the query; the full language is PromQL
//! through a Prometheus server.

use regex::Regex;

/// A label matcher operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchOp {
    /// `=`
    Eq,
    /// `!=`
    Ne,
    /// `=~` (anchored, like Prometheus)
    Re,
    /// `!~` (anchored)
    NotRe,
}

/// One `label op "value"` matcher.
#[derive(Debug, Clone)]
pub struct Matcher {
    /// Label name.
    pub label: String,
    /// Operator.
    pub op: MatchOp,
    /// The value as written (unquoted).
    pub value: String,
    regex: Option<Regex>,
}

impl Matcher {
    /// True when a series whose label is `value` (absent = empty, as in Prometheus) matches.
    pub fn matches(&self, value: Option<&str>) -> bool {
        let v = value.unwrap_or("");
        match (self.op, &self.regex) {
            (MatchOp::Eq, _) => v == self.value,
            (MatchOp::Ne, _) => v != self.value,
            (MatchOp::Re, Some(re)) => re.is_match(v),
            (MatchOp::NotRe, Some(re)) => !re.is_match(v),
            // Regex operators always carry a compiled regex (see `Parser::matcher`).
            (_, None) => false,
        }
    }
}

/// `metric{label="v",...}`.
#[derive(Debug, Clone)]
pub struct Selector {
    /// Metric name.
    pub metric: String,
    /// Label matchers, all of which must hold.
    pub matchers: Vec<Matcher>,
}

/// Aggregation operators of the subset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Agg {
    /// `sum`
    Sum,
    /// `avg`
    Avg,
    /// `min`
    Min,
    /// `max`
    Max,
    /// `count`
    Count,
}

/// A selector, optionally under `rate(...)`.
#[derive(Debug, Clone)]
pub struct Inner {
    /// The selector.
    pub selector: Selector,
    /// Per-second increase between the last two scrapes.
    pub rate: bool,
}

/// One side of an expression.
#[derive(Debug, Clone)]
pub enum Term {
    /// `inner` or `agg [by (l, ...)] (inner)`.
    Vector {
        /// The selector (and rate).
        inner: Inner,
        /// Aggregation and its `by` labels.
        agg: Option<(Agg, Vec<String>)>,
    },
    /// A number literal (for `x / 100`).
    Number(f64),
}

/// A parsed expression: one term, or the ratio of two.
#[derive(Debug, Clone)]
pub struct Expr {
    /// The left (or only) term.
    pub left: Term,
    /// The divisor, for `A / B`.
    pub divisor: Option<Term>,
}

/// Why a query is outside the subset, with the position.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "scrape-mode query `{query}`: {why} (at character {at}). Scrape mode understands only \
metric{{label=\"v\",label=~\"re\"}}, rate(...), sum|avg|min|max|count [by (...)] (...) and A / B; \
use a Prometheus source for full PromQL"
)]
pub struct SelectorError {
    /// The query.
    pub query: String,
    /// What is wrong.
    pub why: String,
    /// Character offset.
    pub at: usize,
}

/// Parses a query (placeholders already expanded).
pub fn parse(query: &str) -> Result<Expr, SelectorError> {
    let mut p = Parser { q: query, pos: 0 };
    let left = p.term()?;
    p.ws();
    let divisor = if p.eat("/") { Some(p.term()?) } else { None };
    p.ws();
    if p.pos < p.q.len() {
        return Err(p.err("unexpected text; only one \"/\" between two terms is supported"));
    }
    Ok(Expr { left, divisor })
}

struct Parser<'a> {
    q: &'a str,
    pos: usize,
}

impl Parser<'_> {
    fn err(&self, why: &str) -> SelectorError {
        SelectorError {
            query: self.q.to_string(),
            why: why.to_string(),
            at: self.pos,
        }
    }
    fn rest(&self) -> &str {
        &self.q[self.pos..]
    }
    fn ws(&mut self) {
        let trimmed = self.rest().trim_start();
        self.pos = self.q.len() - trimmed.len();
    }
    fn eat(&mut self, token: &str) -> bool {
        self.ws();
        if self.rest().starts_with(token) {
            self.pos += token.len();
            true
        } else {
            false
        }
    }
    fn expect(&mut self, token: &str, what: &str) -> Result<(), SelectorError> {
        if self.eat(token) {
            Ok(())
        } else {
            Err(self.err(&format!("expected {what}")))
        }
    }
    fn ident(&mut self) -> Option<String> {
        self.ws();
        let len = self
            .rest()
            .char_indices()
            .find(|&(i, c)| {
                !(c == '_' || c == ':' || c.is_ascii_alphabetic() || (i > 0 && c.is_ascii_digit()))
            })
            .map_or(self.rest().len(), |(i, _)| i);
        if len == 0 {
            return None;
        }
        let id = self.rest()[..len].to_string();
        self.pos += len;
        Some(id)
    }

    fn term(&mut self) -> Result<Term, SelectorError> {
        self.ws();
        let num_len = self
            .rest()
            .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == 'e' || c == '-' || c == '+'))
            .unwrap_or(self.rest().len());
        if num_len > 0 && self.rest().starts_with(|c: char| c.is_ascii_digit()) {
            let n: f64 = self.rest()[..num_len]
                .parse()
                .map_err(|_| self.err("bad number"))?;
            self.pos += num_len;
            return Ok(Term::Number(n));
        }
        let start = self.pos;
        let name = self
            .ident()
            .ok_or_else(|| self.err("expected a metric name or function"))?;
        let agg = match name.as_str() {
            "sum" => Some(Agg::Sum),
            "avg" => Some(Agg::Avg),
            "min" => Some(Agg::Min),
            "max" => Some(Agg::Max),
            "count" => Some(Agg::Count),
            _ => None,
        };
        let Some(agg) = agg else {
            self.pos = start;
            return Ok(Term::Vector {
                inner: self.inner()?,
                agg: None,
            });
        };
        let mut by = self.by()?;
        self.expect("(", "\"(\" after the aggregation")?;
        let inner = self.inner()?;
        self.expect(")", "\")\" closing the aggregation")?;
        if by.is_empty() {
            by = self.by()?;
        }
        Ok(Term::Vector {
            inner,
            agg: Some((agg, by)),
        })
    }

    fn by(&mut self) -> Result<Vec<String>, SelectorError> {
        let save = self.pos;
        match self.ident().as_deref() {
            Some("by") => {}
            Some("without") => return Err(self.err("\"without\" is not supported; use \"by\"")),
            _ => {
                self.pos = save;
                return Ok(Vec::new());
            }
        }
        self.expect("(", "\"(\" after by")?;
        let mut labels = Vec::new();
        while !self.eat(")") {
            labels.push(
                self.ident()
                    .ok_or_else(|| self.err("expected a label name"))?,
            );
            if !self.eat(",") {
                self.expect(")", "\",\" or \")\" in the by list")?;
                break;
            }
        }
        Ok(labels)
    }

    fn inner(&mut self) -> Result<Inner, SelectorError> {
        let start = self.pos;
        let name = self
            .ident()
            .ok_or_else(|| self.err("expected a metric name"))?;
        if name == "rate" || name == "irate" || name == "increase" {
            if name != "rate" {
                self.pos = start;
                return Err(self.err(&format!("\"{name}\" is not supported; use rate(...)")));
            }
            self.expect("(", "\"(\" after rate")?;
            let selector = self.selector()?;
            // The window is accepted for PromQL compatibility; the rate is between two scrapes.
            if self.eat("[") {
                let end = self
                    .rest()
                    .find(']')
                    .ok_or_else(|| self.err("missing \"]\""))?;
                self.pos += end + 1;
            }
            self.expect(")", "\")\" closing rate")?;
            return Ok(Inner {
                selector,
                rate: true,
            });
        }
        self.pos = start;
        Ok(Inner {
            selector: self.selector()?,
            rate: false,
        })
    }

    fn selector(&mut self) -> Result<Selector, SelectorError> {
        let metric = self
            .ident()
            .ok_or_else(|| self.err("expected a metric name"))?;
        self.ws();
        if self.rest().starts_with('(') {
            return Err(self.err(&format!("function \"{metric}\" is not supported")));
        }
        let mut matchers = Vec::new();
        if self.eat("{") {
            while !self.eat("}") {
                matchers.push(self.matcher()?);
                if !self.eat(",") {
                    self.expect("}", "\",\" or \"}\" in the label matchers")?;
                    break;
                }
            }
        }
        Ok(Selector { metric, matchers })
    }

    fn matcher(&mut self) -> Result<Matcher, SelectorError> {
        let label = self
            .ident()
            .ok_or_else(|| self.err("expected a label name"))?;
        self.ws();
        let op = if self.eat("=~") {
            MatchOp::Re
        } else if self.eat("!~") {
            MatchOp::NotRe
        } else if self.eat("!=") {
            MatchOp::Ne
        } else if self.eat("=") {
            MatchOp::Eq
        } else {
            return Err(self.err("expected =, !=, =~ or !~"));
        };
        let value = self.string()?;
        let regex = match op {
            MatchOp::Re | MatchOp::NotRe => Some(
                Regex::new(&format!("^(?:{value})$"))
                    .map_err(|e| self.err(&format!("bad regex for {label}: {e}")))?,
            ),
            _ => None,
        };
        Ok(Matcher {
            label,
            op,
            value,
            regex,
        })
    }

    /// A PromQL string: `"..."` or `'...'` with Go escapes, or a raw `` `...` ``.
    fn string(&mut self) -> Result<String, SelectorError> {
        self.ws();
        let quote = self
            .rest()
            .chars()
            .next()
            .ok_or_else(|| self.err("expected a quoted value"))?;
        if !matches!(quote, '"' | '\'' | '`') {
            return Err(self.err("expected a quoted value"));
        }
        self.pos += 1;
        let mut out = String::new();
        let mut chars = self.rest().char_indices();
        while let Some((i, c)) = chars.next() {
            if c == quote {
                self.pos += i + 1;
                return Ok(out);
            }
            if c == '\\' && quote != '`' {
                let (_, e) = chars
                    .next()
                    .ok_or_else(|| self.err("unterminated string"))?;
                out.push(match e {
                    'n' => '\n',
                    't' => '\t',
                    '\\' | '"' | '\'' => e,
                    other => return Err(self.err(&format!("unknown escape \\{other} in a quoted value"))),
                });
            } else {
                out.push(c);
            }
        }
        Err(self.err("unterminated string"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_forms_parse() {
        for q in [
            "up",
            r#"node_load1{instance="a"}"#,
            r#"sum(rate(http_requests_total{code=~"5..",instance=~"(?:web[.]1)"}[1m])) / sum(rate(http_requests_total[1m]))"#,
            r#"max by (instance) (cpu_usage{job!="x",mode!~"idle|iowait"})"#,
            "sum(x) by (host)",
            "avg(x) / 100",
            "count(up)",
        ] {
            parse(q).unwrap_or_else(|e| panic!("{q}: {e}"));
        }
    }

    #[test]
    fn unsupported_syntax_is_refused_naming_the_query() {
        for (q, why) in [
            ("histogram_quantile(0.9, x)", "not supported"),
            ("irate(x[1m])", "irate"),
            ("a / b / c", "one \"/\""),
            ("a + b", "unexpected"),
            ("sum without (x) (y)", "without"),
            (r#"x{a="web\.1"}"#, "unknown escape"),
            (r#"x{a=~"("}"#, "bad regex"),
        ] {
            let e = parse(q).unwrap_err().to_string();
            assert!(e.contains(why) && e.contains(q), "{q}: {e}");
            assert!(e.contains("Prometheus source"), "{e}");
        }
    }

    #[test]
    fn regex_matchers_are_anchored_and_absent_labels_are_empty() {
        let e = parse(r#"x{code=~"5..",zone!="a"}"#).unwrap();
        let Term::Vector { inner, .. } = e.left else {
            panic!()
        };
        let m = &inner.selector.matchers;
        assert!(m[0].matches(Some("503")));
        assert!(!m[0].matches(Some("5030")));
        assert!(!m[0].matches(None));
        assert!(m[1].matches(None));
    }
}
