//! What a GraphQL server's schema says of the operations we send: its introspection, read into
//! a small model, and the differences from an [`Operation`] (unknown fields and arguments,
//! literals the declared type would refuse, required arguments we leave out, selections of
//! fields that do not exist).

use std::collections::HashMap;

use serde::Deserialize;

use crate::api::graphql::{Literal, Operation, OperationKind, Selection};
use Selection::{Field, Object};

/// `kind name ofType { ... }`, four wrappers deep (enough for `[X!]!`): each level is the
/// one below it wrapped once more.
const TYPE_REF: &[Selection] = &[Field("kind"), Field("name"), Object("ofType", WRAPPED_3)];
const WRAPPED_3: &[Selection] = &[Field("kind"), Field("name"), Object("ofType", WRAPPED_2)];
const WRAPPED_2: &[Selection] = &[Field("kind"), Field("name"), Object("ofType", WRAPPED_1)];
const WRAPPED_1: &[Selection] = &[Field("kind"), Field("name"), Object("ofType", NAMED)];
const NAMED: &[Selection] = &[Field("kind"), Field("name")];

const INPUT_VALUE: &[Selection] = &[Field("name"), Object("type", TYPE_REF)];

/// The introspection selection of `__schema`.
pub(crate) const SCHEMA_SELECTION: &[Selection] = &[
    Object("queryType", &[Field("name")]),
    Object("mutationType", &[Field("name")]),
    Object(
        "types",
        &[
            Field("kind"),
            Field("name"),
            Object(
                "fields",
                &[
                    Field("name"),
                    Object("args", INPUT_VALUE),
                    Object("type", TYPE_REF),
                ],
            ),
            Object("inputFields", INPUT_VALUE),
            Object("enumValues", &[Field("name")]),
        ],
    ),
];

/// The introspection query.
pub(crate) fn introspection() -> Operation {
    Operation::query("DoctorIntrospection", "__schema").select(SCHEMA_SELECTION)
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct TypeRef {
    kind: String,
    name: Option<String>,
    #[serde(rename = "ofType")]
    of_type: Option<Box<TypeRef>>,
}

impl TypeRef {
    /// `[String!]!` notation.
    fn show(&self) -> String {
        match (self.kind.as_str(), &self.of_type) {
            ("NON_NULL", Some(inner)) => format!("{}!", inner.show()),
            ("LIST", Some(inner)) => format!("[{}]", inner.show()),
            _ => self.name.clone().unwrap_or_else(|| "?".into()),
        }
    }

    /// The named type under the wrappers.
    fn named(&self) -> &str {
        match &self.of_type {
            Some(inner) if matches!(self.kind.as_str(), "NON_NULL" | "LIST") => inner.named(),
            _ => self.name.as_deref().unwrap_or("?"),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
struct InputValue {
    name: String,
    #[serde(rename = "type")]
    ty: TypeRef,
}

#[derive(Debug, Clone, Deserialize)]
struct FieldDef {
    name: String,
    #[serde(default)]
    args: Vec<InputValue>,
    #[serde(rename = "type")]
    ty: TypeRef,
}

#[derive(Debug, Clone, Deserialize)]
struct TypeDef {
    kind: String,
    name: Option<String>,
    #[serde(default)]
    fields: Option<Vec<FieldDef>>,
    #[serde(default, rename = "inputFields")]
    input_fields: Option<Vec<InputValue>>,
    #[serde(default, rename = "enumValues")]
    enum_values: Option<Vec<EnumValueDef>>,
}

#[derive(Debug, Clone, Deserialize)]
struct EnumValueDef {
    name: String,
}

#[derive(Debug, Clone, Deserialize)]
struct Named {
    name: String,
}

/// `data` of the introspection query.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct IntrospectionData {
    #[serde(rename = "__schema")]
    schema: RawSchema,
}

#[derive(Debug, Clone, Deserialize)]
struct RawSchema {
    #[serde(rename = "queryType")]
    query_type: Option<Named>,
    #[serde(rename = "mutationType")]
    mutation_type: Option<Named>,
    types: Vec<TypeDef>,
}

/// A server's schema, as far as the comparison needs it.
#[derive(Debug, Clone)]
pub struct Schema {
    query: Option<String>,
    mutation: Option<String>,
    types: HashMap<String, TypeDef>,
}

impl From<IntrospectionData> for Schema {
    fn from(data: IntrospectionData) -> Self {
        let raw = data.schema;
        Schema {
            query: raw.query_type.map(|t| t.name),
            mutation: raw.mutation_type.map(|t| t.name),
            types: raw
                .types
                .into_iter()
                .filter_map(|t| Some((t.name.clone()?, t)))
                .collect(),
        }
    }
}

fn names<'a>(items: impl Iterator<Item = &'a str>) -> String {
    let list: Vec<&str> = items.collect();
    if list.is_empty() {
        "none".into()
    } else {
        list.join(", ")
    }
}

impl Schema {
    /// Every way `operation` differs from what this schema accepts; empty when it matches.
    pub fn differences(&self, operation: &Operation) -> Vec<String> {
        let root = match operation.kind() {
            OperationKind::Query => self.query.as_deref(),
            OperationKind::Mutation => self.mutation.as_deref(),
        };
        let kind = operation.kind().keyword();
        let Some(root) = root.and_then(|r| self.types.get(r)) else {
            return vec![format!("the schema has no {kind} type")];
        };
        let fields = root.fields.as_deref().unwrap_or_default();
        let Some(field) = fields.iter().find(|f| f.name == operation.field()) else {
            return vec![format!(
                "no {kind} field {} (the {kind} type has: {})",
                operation.field(),
                names(fields.iter().map(|f| f.name.as_str()))
            )];
        };
        let mut out = Vec::new();
        let at = operation.field();
        for (name, value) in operation.arguments() {
            match field.args.iter().find(|a| a.name == *name) {
                Some(arg) => self.check_literal(value, &arg.ty, &format!("{at}({name})"), &mut out),
                None => out.push(format!(
                    "{at} has no argument {name} (it has: {})",
                    names(field.args.iter().map(|a| a.name.as_str()))
                )),
            }
        }
        for arg in &field.args {
            let sent = operation.arguments().iter().any(|(n, _)| *n == arg.name);
            if arg.ty.kind == "NON_NULL" && !sent {
                out.push(format!(
                    "{at} requires the argument {}: {}, which we do not send",
                    arg.name,
                    arg.ty.show()
                ));
            }
        }
        self.check_selection(operation.selection(), &field.ty, at, &mut out);
        out
    }

    fn check_literal(&self, value: &Literal, ty: &TypeRef, at: &str, out: &mut Vec<String>) {
        let inner = || ty.of_type.as_deref();
        match (ty.kind.as_str(), value) {
            ("NON_NULL", Literal::Null) => {
                out.push(format!("{at} is {} but we may send null", ty.show()));
            }
            ("NON_NULL", _) => {
                if let Some(inner) = inner() {
                    self.check_literal(value, inner, at, out);
                }
            }
            (_, Literal::Null) => {}
            ("LIST", Literal::List(items)) => {
                if let Some(inner) = inner() {
                    for item in items {
                        self.check_literal(item, inner, &format!("{at}[]"), out);
                    }
                }
            }
            // A single value is coerced to a list of one.
            ("LIST", _) => {
                if let Some(inner) = inner() {
                    self.check_literal(value, inner, at, out);
                }
            }
            _ => self.check_named(value, ty.named(), at, out),
        }
    }

    fn check_named(&self, value: &Literal, name: &str, at: &str, out: &mut Vec<String>) {
        let accepted = match name {
            "String" => matches!(value, Literal::String(_)),
            "ID" => matches!(value, Literal::String(_) | Literal::Int(_)),
            "Int" => matches!(value, Literal::Int(_)),
            "Float" => matches!(value, Literal::Int(_) | Literal::Float(_)),
            "Boolean" => matches!(value, Literal::Boolean(_)),
            _ => match self.types.get(name) {
                None => {
                    out.push(format!(
                        "{at}: the schema names a type {name} it does not define"
                    ));
                    return;
                }
                Some(def) => match (def.kind.as_str(), value) {
                    // A custom scalar (AWSTimestamp, AWSJSON, ...) takes any literal it parses.
                    ("SCALAR", _) => true,
                    ("ENUM", Literal::Enum(e)) => {
                        let values = def.enum_values.as_deref().unwrap_or_default();
                        if !values.iter().any(|v| v.name == e.as_str()) {
                            out.push(format!(
                                "{at}: {name} has no value {} (it has: {})",
                                e.as_str(),
                                names(values.iter().map(|v| v.name.as_str()))
                            ));
                        }
                        return;
                    }
                    ("INPUT_OBJECT", Literal::Object(fields)) => {
                        let declared = def.input_fields.as_deref().unwrap_or_default();
                        for (key, v) in fields {
                            match declared.iter().find(|d| d.name == key.as_str()) {
                                Some(d) => self.check_literal(
                                    v,
                                    &d.ty,
                                    &format!("{at}.{}", key.as_str()),
                                    out,
                                ),
                                None => out.push(format!(
                                    "{at}: the input {name} has no field {} (it has: {})",
                                    key.as_str(),
                                    names(declared.iter().map(|d| d.name.as_str()))
                                )),
                            }
                        }
                        for d in declared {
                            let given = fields.keys().any(|k| k.as_str() == d.name);
                            if d.ty.kind == "NON_NULL" && !given {
                                out.push(format!(
                                    "{at}: the input {name} requires {}: {}, which we do not send",
                                    d.name,
                                    d.ty.show()
                                ));
                            }
                        }
                        return;
                    }
                    _ => false,
                },
            },
        };
        if !accepted {
            out.push(format!(
                "{at} is {name} on the server, and we send a {} literal",
                value.kind()
            ));
        }
    }

    fn check_selection(
        &self,
        selection: &[Selection],
        ty: &TypeRef,
        at: &str,
        out: &mut Vec<String>,
    ) {
        let name = ty.named();
        let Some(def) = self.types.get(name) else {
            out.push(format!(
                "{at} returns {name}, which the schema does not define"
            ));
            return;
        };
        let fields = def.fields.as_deref().unwrap_or_default();
        if selection.is_empty() {
            if !fields.is_empty() {
                out.push(format!("{at} returns {name}, which needs a selection"));
            }
            return;
        }
        if fields.is_empty() {
            out.push(format!(
                "{at} returns {name}, which has no fields to select"
            ));
            return;
        }
        for wanted in selection {
            match fields.iter().find(|f| f.name == wanted.name()) {
                Some(field) if wanted.children().is_empty() => {
                    let leaf = self
                        .types
                        .get(field.ty.named())
                        .is_none_or(|t| matches!(t.kind.as_str(), "SCALAR" | "ENUM"));
                    if !leaf {
                        out.push(format!(
                            "{at}.{} is {}, which needs a selection",
                            field.name,
                            field.ty.show()
                        ));
                    }
                }
                Some(field) => self.check_selection(
                    wanted.children(),
                    &field.ty,
                    &format!("{at}.{}", field.name),
                    out,
                ),
                None => out.push(format!(
                    "{at} returns {name}, which has no field {}",
                    wanted.name()
                )),
            }
        }
    }

    /// The declared signature of a root field, e.g. `get(item: ItemRef!): Item`.
    pub fn signature(&self, kind: OperationKind, field: &str) -> Option<String> {
        let root = match kind {
            OperationKind::Query => self.query.as_deref(),
            OperationKind::Mutation => self.mutation.as_deref(),
        }?;
        let def = self
            .types
            .get(root)?
            .fields
            .as_deref()?
            .iter()
            .find(|f| f.name == field)?;
        let args: Vec<String> = def
            .args
            .iter()
            .map(|a| format!("{}: {}", a.name, a.ty.show()))
            .collect();
        Some(format!("{field}({}): {}", args.join(", "), def.ty.show()))
    }
}
