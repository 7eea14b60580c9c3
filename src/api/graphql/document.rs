//! One GraphQL operation, built from constants and [`Literal`]s: `query Name { field(arg:
//! literal, ...) { selection } }`. Nothing but a literal's rendering ever puts a value into
//! the text, so no value can change the document's structure, and no variable type is ever
//! declared.

use std::fmt::{self, Write as _};

use super::literal::{Literal, is_name};

/// Query or mutation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OperationKind {
    /// Reads.
    Query,
    /// Changes something: never sent twice (see [`GraphqlClient::run`](super::GraphqlClient::run)).
    Mutation,
}

impl OperationKind {
    /// `query` or `mutation`.
    pub fn keyword(self) -> &'static str {
        match self {
            OperationKind::Query => "query",
            OperationKind::Mutation => "mutation",
        }
    }
}

/// One field of a selection set: a leaf, or an object field with its own selection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Selection {
    /// `name`.
    Field(&'static str),
    /// `name { ... }`.
    Object(&'static str, &'static [Selection]),
}

impl Selection {
    /// The field's name.
    pub fn name(&self) -> &'static str {
        match self {
            Selection::Field(name) | Selection::Object(name, _) => name,
        }
    }

    /// The sub-selection (empty for a leaf).
    pub fn children(&self) -> &'static [Selection] {
        match self {
            Selection::Field(_) => &[],
            Selection::Object(_, children) => children,
        }
    }
}

/// One operation with a single root field.
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    kind: OperationKind,
    name: &'static str,
    field: &'static str,
    arguments: Vec<(&'static str, Literal)>,
    selection: &'static [Selection],
}

impl Operation {
    /// A query named `name` of the root field `field`.
    pub fn query(name: &'static str, field: &'static str) -> Self {
        Self::new(OperationKind::Query, name, field)
    }

    /// A mutation named `name` of the root field `field`.
    pub fn mutation(name: &'static str, field: &'static str) -> Self {
        Self::new(OperationKind::Mutation, name, field)
    }

    fn new(kind: OperationKind, name: &'static str, field: &'static str) -> Self {
        debug_assert!(is_name(name) && is_name(field), "{name} {field}");
        Operation {
            kind,
            name,
            field,
            arguments: Vec::new(),
            selection: &[],
        }
    }

    /// Adds the argument `name: value`.
    #[must_use]
    pub fn arg(mut self, name: &'static str, value: impl Into<Literal>) -> Self {
        debug_assert!(is_name(name), "{name}");
        self.arguments.push((name, value.into()));
        self
    }

    /// The selection set of the root field.
    #[must_use]
    pub fn select(mut self, selection: &'static [Selection]) -> Self {
        self.selection = selection;
        self
    }

    /// Query or mutation.
    pub fn kind(&self) -> OperationKind {
        self.kind
    }

    /// The operation's name.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The root field.
    pub fn field(&self) -> &'static str {
        self.field
    }

    /// The arguments, in the order they are written.
    pub fn arguments(&self) -> &[(&'static str, Literal)] {
        &self.arguments
    }

    /// The selection set.
    pub fn selection(&self) -> &'static [Selection] {
        self.selection
    }

    /// The document's text.
    pub fn document(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {{ {}", self.kind.keyword(), self.name, self.field)?;
        if !self.arguments.is_empty() {
            f.write_char('(')?;
            for (i, (name, value)) in self.arguments.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{name}: {value}")?;
            }
            f.write_char(')')?;
        }
        if !self.selection.is_empty() {
            f.write_char(' ')?;
            write_selection(f, self.selection)?;
        }
        f.write_str(" }")
    }
}

fn write_selection(f: &mut fmt::Formatter<'_>, selection: &[Selection]) -> fmt::Result {
    f.write_str("{ ")?;
    for field in selection {
        f.write_str(field.name())?;
        if !field.children().is_empty() {
            f.write_char(' ')?;
            write_selection(f, field.children())?;
        }
        f.write_char(' ')?;
    }
    f.write_char('}')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::graphql::literal::EnumValue;

    #[test]
    fn an_operation_renders_its_arguments_as_literals_and_its_selection() {
        const SEL: &[Selection] = &[
            Selection::Field("id"),
            Selection::Object("metadata", &[Selection::Field("duration")]),
        ];
        let op = Operation::query("list", "list")
            .arg("sort", EnumValue::new("desc").unwrap())
            .arg("location", "a\"b")
            .arg("limit", 2u32)
            .select(SEL);
        assert_eq!(
            op.document(),
            r#"query list { list(sort: desc, location: "a\"b", limit: 2) { id metadata { duration } } }"#
        );
        assert_eq!(op.kind(), OperationKind::Query);
    }
}
