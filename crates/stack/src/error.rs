use thiserror::Error;

/// What is wrong with a stack description or a release file. Each has a stable code.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum StackError {
    #[error("the release file is not valid: {reason}")]
    BadRelease { reason: String },
    #[error("the release file is larger than {limit} bytes")]
    ReleaseTooLarge { limit: usize },
    #[error("`{value}` is not a domain name: {reason}")]
    BadDomain { value: String, reason: String },
    #[error("`{value}` is not an e-mail address")]
    BadEmail { value: String },
    #[error("{reason}")]
    BadStack { reason: String },
    #[error("the {key} is not valid: {reason}")]
    BadSetting { key: String, reason: String },
}

impl StackError {
    pub fn code(&self) -> &'static str {
        match self {
            StackError::BadRelease { .. } => "release.invalid",
            StackError::ReleaseTooLarge { .. } => "release.too_large",
            StackError::BadDomain { .. } => "stack.bad_domain",
            StackError::BadEmail { .. } => "stack.bad_email",
            StackError::BadStack { .. } => "stack.invalid",
            StackError::BadSetting { .. } => "stack.bad_setting",
        }
    }
}
