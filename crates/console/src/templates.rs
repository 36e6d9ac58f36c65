//! The example definitions a new state machine can start from, compiled in from `templates/*.json`.

/// An example: its name in URLs (`/create?template=NAME`), its title and its definition.
pub struct Template {
    pub name: &'static str,
    pub title: &'static str,
    pub summary: &'static str,
    pub definition: &'static str,
}

pub const TEMPLATES: &[Template] = &[
    Template {
        name: "hello-world",
        title: "Hello world",
        summary: "Pass states that return a greeting.",
        definition: include_str!("templates/hello-world.json"),
    },
    Template {
        name: "choice",
        title: "Choice",
        summary: "Branch on the input.",
        definition: include_str!("templates/choice.json"),
    },
    Template {
        name: "wait",
        title: "Wait",
        summary: "Pause for a few seconds.",
        definition: include_str!("templates/wait.json"),
    },
    Template {
        name: "parallel",
        title: "Parallel",
        summary: "Two branches at the same time.",
        definition: include_str!("templates/parallel.json"),
    },
    Template {
        name: "map",
        title: "Map",
        summary: "The same steps for every item of a list.",
        definition: include_str!("templates/map.json"),
    },
    Template {
        name: "retry-catch",
        title: "Retry and Catch",
        summary: "A failing task retried, then its error caught.",
        definition: include_str!("templates/retry-catch.json"),
    },
    Template {
        name: "manual-approval",
        title: "Manual approval",
        summary: "A task waiting for a person (.waitForTaskToken).",
        definition: include_str!("templates/manual-approval.json"),
    },
];

/// The blank definition of a new state machine.
pub const BLANK: &str = r#"{
  "Comment": "A new state machine",
  "StartAt": "FirstState",
  "States": {
    "FirstState": {
      "Type": "Pass",
      "End": true
    }
  }
}
"#;

/// The template called `name`.
pub fn find(name: &str) -> Option<&'static Template> {
    TEMPLATES.iter().find(|t| t.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_is_a_valid_definition() {
        for t in TEMPLATES.iter().map(|t| (t.name, t.definition)).chain([("blank", BLANK)]) {
            let parsed = asl::parse_str(t.1, asl::MachineType::Standard);
            assert!(parsed.machine.is_some(), "{}: {:?}", t.0, parsed.errors());
        }
    }
}
