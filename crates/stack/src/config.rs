//! The stack's settings an owner may change (`server config`): which there are, what each
//! accepts, which services read it, and the `KEY=VALUE` editing of the env files they live
//! in. Owner settings go into `shared/env/backend.env` after the generated secrets (the
//! install reads them back, so an update keeps them); the generated secrets can only be
//! rotated, never typed.

use crate::StackError;

/// What a setting accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// One of these words.
    Choice(&'static [&'static str]),
    /// A whole number in this range.
    Number { min: u64, max: u64 },
    /// A model name or a URL: letters, digits and `.:/_-@+`, up to 200.
    Text,
    /// An API key the owner was given: printable, no spaces, up to 200. Never printed.
    Key,
    /// Made by the app from the system's random source; `rotate` makes a new one.
    Generated,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Setting {
    pub key: &'static str,
    pub kind: Kind,
    /// The compose services that read it, restarted when it changes.
    pub services: &'static [&'static str],
    pub help: &'static str,
    /// What the backend uses when the key is not set.
    pub default: &'static str,
}

impl Setting {
    /// Whether its value is a secret (never printed, logged or audited).
    pub fn secret(&self) -> bool {
        matches!(self.kind, Kind::Key | Kind::Generated)
    }
}

/// Every setting `server config` knows, from DeskMate's own configuration.
pub const SETTINGS: &[Setting] = &[
    Setting {
        key: "DEFAULT_LLM_MODEL",
        kind: Kind::Text,
        services: &["backend"],
        help: "the language model the companion talks with",
        default: "(the backend's own)",
    },
    Setting {
        key: "LOG_LEVEL",
        kind: Kind::Choice(&["debug", "info", "warning", "error"]),
        services: &["backend"],
        help: "how much the backend writes to its log",
        default: "info",
    },
    Setting {
        key: "RATE_LIMIT_PER_MINUTE",
        kind: Kind::Number {
            min: 1,
            max: 100_000,
        },
        services: &["backend"],
        help: "requests one address may make per minute (/health is exempt)",
        default: "60",
    },
    Setting {
        key: "LLM_MAX_TOKENS",
        kind: Kind::Number {
            min: 16,
            max: 200_000,
        },
        services: &["backend"],
        help: "the longest answer the model may give, in tokens",
        default: "(the backend's own)",
    },
    Setting {
        key: "LLM_TIMEOUT",
        kind: Kind::Number { min: 5, max: 3600 },
        services: &["backend"],
        help: "seconds the backend waits for the model",
        default: "(the backend's own)",
    },
    Setting {
        key: "OLLAMA_BASE_URL",
        kind: Kind::Text,
        services: &["backend"],
        help: "where a local Ollama answers, like http://host.docker.internal:11434",
        default: "(none)",
    },
    Setting {
        key: "NANO_GPT_API_KEY",
        kind: Kind::Key,
        services: &["backend"],
        help: "the NanoGPT API key the model calls use",
        default: "(none)",
    },
    Setting {
        key: "OPENAI_API_KEY",
        kind: Kind::Key,
        services: &["backend"],
        help: "the OpenAI API key the model calls use",
        default: "(none)",
    },
    Setting {
        key: "SECRET_KEY",
        kind: Kind::Generated,
        services: &["backend"],
        help: "the backend's signing key",
        default: "(made at install)",
    },
    Setting {
        key: "JWT_SECRET",
        kind: Kind::Generated,
        services: &["backend"],
        help: "the key the backend signs its tokens with",
        default: "(made at install)",
    },
    Setting {
        key: "POSTGRES_PASSWORD",
        kind: Kind::Generated,
        services: &["postgres", "backend"],
        help: "the database password (rotating it changes it in the database too)",
        default: "(made at install)",
    },
];

pub fn find(key: &str) -> Option<&'static Setting> {
    SETTINGS.iter().find(|s| s.key == key)
}

fn unknown(key: &str) -> StackError {
    StackError::BadSetting {
        key: key.chars().take(64).collect(),
        reason: format!(
            "there is no such setting; the settings are {}",
            SETTINGS
                .iter()
                .map(|s| s.key)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// A value the owner typed for `key`, checked; an error says what it takes.
pub fn check(key: &str, value: &str) -> Result<&'static Setting, StackError> {
    let setting = find(key).ok_or_else(|| unknown(key))?;
    let bad = |reason: String| StackError::BadSetting {
        key: key.to_string(),
        reason,
    };
    match setting.kind {
        Kind::Choice(words) if !words.contains(&value) => {
            Err(bad(format!("it is one of {}", words.join(", "))))
        }
        Kind::Number { min, max } => match value.parse::<u64>() {
            Ok(n) if (min..=max).contains(&n) => Ok(setting),
            _ => Err(bad(format!("it is a whole number from {min} to {max}"))),
        },
        Kind::Text
            if value.is_empty()
                || value.len() > 200
                || !value
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".:/_-@+".contains(c)) =>
        {
            Err(bad(
                "it has letters, digits and . : / _ - @ + only, up to 200".into(),
            ))
        }
        Kind::Key
            if value.is_empty()
                || value.len() > 200
                || !value.chars().all(|c| c.is_ascii_graphic()) =>
        {
            Err(bad(
                "an API key is printable characters with no spaces, up to 200".into(),
            ))
        }
        Kind::Generated => Err(bad(
            "it is made by the app; rotate it instead of setting it".into(),
        )),
        _ => Ok(setting),
    }
}

/// The `KEY=VALUE` lines of an env file (bounded: 256 lines of up to 4 KiB).
pub fn parse_env(text: &str) -> Vec<(String, String)> {
    text.lines()
        .take(256)
        .filter(|l| l.len() <= 4096 && !l.starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.to_string()))
        .filter(|(k, _)| !k.is_empty())
        .collect()
}

/// The owner's settings among an env file's lines: known keys that are not generated.
pub fn owner_settings(text: &str) -> Vec<(String, String)> {
    parse_env(text)
        .into_iter()
        .filter(|(k, v)| find(k).is_some_and(|s| s.kind != Kind::Generated) && check(k, v).is_ok())
        .collect()
}

/// `text` with `key`'s line set to `value` (replaced where it is, else added at the end).
pub fn set_line(text: &str, key: &str, value: &str) -> String {
    let mut found = false;
    let mut out: Vec<String> = text
        .lines()
        .map(|line| match line.split_once('=') {
            Some((k, _)) if k.trim() == key && !line.starts_with('#') => {
                found = true;
                format!("{key}={value}")
            }
            _ => line.to_string(),
        })
        .collect();
    if !found {
        out.push(format!("{key}={value}"));
    }
    out.join("\n") + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn values_are_checked_by_kind() {
        assert!(check("LOG_LEVEL", "debug").is_ok());
        assert!(check("LOG_LEVEL", "loud").is_err());
        assert!(check("RATE_LIMIT_PER_MINUTE", "0").is_err());
        assert!(check("RATE_LIMIT_PER_MINUTE", "120").is_ok());
        assert!(check("DEFAULT_LLM_MODEL", "llama3.1:8b").is_ok());
        assert!(check("DEFAULT_LLM_MODEL", "a b").is_err());
        assert!(check("OPENAI_API_KEY", "sk-abc\nX=1").is_err());
        assert!(check("JWT_SECRET", "typed").is_err(), "rotate only");
        let err = check("NOPE", "1").unwrap_err();
        assert_eq!(err.code(), "stack.bad_setting");
        assert!(err.to_string().contains("LOG_LEVEL"));
    }

    #[test]
    fn a_line_is_replaced_in_place_or_added() {
        let text = "# c\nSECRET_KEY=a\nLOG_LEVEL=info\n";
        assert_eq!(
            set_line(text, "LOG_LEVEL", "debug"),
            "# c\nSECRET_KEY=a\nLOG_LEVEL=debug\n"
        );
        assert_eq!(
            set_line(text, "LLM_TIMEOUT", "30"),
            "# c\nSECRET_KEY=a\nLOG_LEVEL=info\nLLM_TIMEOUT=30\n"
        );
        assert_eq!(
            owner_settings("SECRET_KEY=a\nLOG_LEVEL=info\nLOG_LEVEL=loud\nOTHER=1\n"),
            vec![("LOG_LEVEL".to_string(), "info".to_string())]
        );
    }

    proptest! {
        #[test]
        fn an_accepted_value_stays_one_line_of_its_own(
            key in proptest::sample::select(SETTINGS.iter().map(|s| s.key).collect::<Vec<_>>()),
            value in "(?s).{0,80}",
        ) {
            if check(key, &value).is_ok() {
                prop_assert!(!value.contains(['\n', '\r', ' ']));
                let text = set_line("A=1\n", key, &value);
                let parsed = parse_env(&text);
                let expected = (key.to_string(), value.clone());
                prop_assert!(parsed.contains(&expected));
            }
        }
    }
}
