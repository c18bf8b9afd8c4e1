//! Text fields of dialogs: one line (reasons, numbers, the filter) or many (status updates),
//! with a cursor that moves by character, line, and to either end.

use crossterm::event::KeyCode;

use super::keymap::Key;

/// An editable text with a cursor. Positions count characters, not bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextArea {
    lines: Vec<String>,
    row: usize,
    col: usize,
    multi_line: bool,
    /// Most characters accepted (a guard against pasting a novel into a field).
    limit: usize,
}

impl TextArea {
    /// A one-line field holding `text`, cursor at the end.
    pub fn line(text: &str) -> Self {
        let mut t = Self {
            lines: vec![text.replace('\n', " ")],
            row: 0,
            col: 0,
            multi_line: false,
            limit: 500,
        };
        t.end();
        t
    }

    /// A multi-line text, cursor at the end.
    pub fn multi(text: &str) -> Self {
        let mut t = Self {
            lines: text.split('\n').map(str::to_string).collect(),
            row: 0,
            col: 0,
            multi_line: true,
            limit: 8_000,
        };
        if t.lines.is_empty() {
            t.lines.push(String::new());
        }
        t.row = t.lines.len() - 1;
        t.end();
        t
    }

    /// The text.
    pub fn text(&self) -> String {
        self.lines.join("\n")
    }

    /// The lines.
    pub fn lines(&self) -> &[String] {
        &self.lines
    }

    /// Cursor as (row, column in characters).
    pub fn cursor(&self) -> (usize, usize) {
        (self.row, self.col)
    }

    /// Replaces the whole text; cursor at the end.
    pub fn set(&mut self, text: &str) {
        *self = if self.multi_line {
            Self::multi(text)
        } else {
            Self::line(text)
        };
    }

    fn len_chars(&self) -> usize {
        self.lines.iter().map(|l| l.chars().count()).sum::<usize>() + self.lines.len() - 1
    }

    fn byte_at(line: &str, col: usize) -> usize {
        line.char_indices().nth(col).map_or(line.len(), |(i, _)| i)
    }

    fn line_len(&self) -> usize {
        self.lines[self.row].chars().count()
    }

    fn end(&mut self) {
        self.col = self.line_len();
    }

    /// Applies an editing key; returns false when the key is not an editing key here (so the
    /// dialog can use it: Enter in a one-line field, Up / Down there).
    pub fn edit(&mut self, key: Key) -> bool {
        if key.ctrl || key.alt {
            return false;
        }
        match key.code {
            KeyCode::Char(c) => {
                if self.len_chars() >= self.limit {
                    return true;
                }
                let at = Self::byte_at(&self.lines[self.row], self.col);
                self.lines[self.row].insert(at, c);
                self.col += 1;
            }
            KeyCode::Enter if self.multi_line => {
                let at = Self::byte_at(&self.lines[self.row], self.col);
                let rest = self.lines[self.row].split_off(at);
                self.lines.insert(self.row + 1, rest);
                self.row += 1;
                self.col = 0;
            }
            KeyCode::Backspace => {
                if self.col > 0 {
                    let at = Self::byte_at(&self.lines[self.row], self.col - 1);
                    self.lines[self.row].remove(at);
                    self.col -= 1;
                } else if self.row > 0 {
                    let line = self.lines.remove(self.row);
                    self.row -= 1;
                    self.end();
                    self.lines[self.row].push_str(&line);
                }
            }
            KeyCode::Delete => {
                if self.col < self.line_len() {
                    let at = Self::byte_at(&self.lines[self.row], self.col);
                    self.lines[self.row].remove(at);
                } else if self.row + 1 < self.lines.len() {
                    let next = self.lines.remove(self.row + 1);
                    self.lines[self.row].push_str(&next);
                }
            }
            KeyCode::Left => {
                if self.col > 0 {
                    self.col -= 1;
                } else if self.row > 0 {
                    self.row -= 1;
                    self.end();
                }
            }
            KeyCode::Right => {
                if self.col < self.line_len() {
                    self.col += 1;
                } else if self.row + 1 < self.lines.len() {
                    self.row += 1;
                    self.col = 0;
                }
            }
            KeyCode::Up if self.multi_line && self.row > 0 => {
                self.row -= 1;
                self.col = self.col.min(self.line_len());
            }
            KeyCode::Down if self.multi_line && self.row + 1 < self.lines.len() => {
                self.row += 1;
                self.col = self.col.min(self.line_len());
            }
            KeyCode::Up | KeyCode::Down if self.multi_line => {}
            KeyCode::Home => self.col = 0,
            KeyCode::End => self.end(),
            _ => return false,
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(code: KeyCode) -> Key {
        Key::plain(code)
    }

    fn typed(t: &mut TextArea, s: &str) {
        for c in s.chars() {
            t.edit(k(KeyCode::Char(c)));
        }
    }

    #[test]
    fn multi_line_editing_moves_and_splits_lines() {
        let mut t = TextArea::multi("ab\ncd");
        t.edit(k(KeyCode::Up));
        t.edit(k(KeyCode::Home));
        typed(&mut t, "é");
        assert_eq!(t.text(), "éab\ncd");
        t.edit(k(KeyCode::Right));
        t.edit(k(KeyCode::Enter));
        assert_eq!(t.text(), "éa\nb\ncd");
        t.edit(k(KeyCode::Backspace));
        assert_eq!(t.text(), "éab\ncd");
        t.edit(k(KeyCode::End));
        t.edit(k(KeyCode::Delete));
        assert_eq!(t.text(), "éabcd");
        assert_eq!(t.cursor(), (0, 3));
    }

    #[test]
    fn a_one_line_field_leaves_enter_and_arrows_up_down_to_the_dialog() {
        let mut t = TextArea::line("41");
        assert!(!t.edit(k(KeyCode::Enter)));
        assert!(!t.edit(k(KeyCode::Up)));
        t.edit(k(KeyCode::Backspace));
        assert_eq!(t.text(), "4");
    }
}
