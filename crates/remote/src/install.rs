//! What the api still reaches of the install toolbox while the other operations move onto
//! the engine: the install operation itself is [`crate::ops::install`], its parts are in
//! `parts/`. Names here are re-exports only.

pub use crate::ops::install::{
    InstallSpec, Installing, LocalArchive, ProxyProbe, WantedImage, apply, compose_of, restart,
};
pub use crate::ops::{PlannedStep, StepReport};
pub(crate) use crate::parts::commands::{check_cancel, refuse, run_script};
pub use crate::parts::compose::Compose;
pub use crate::parts::containers::{ContainerState, containers};
pub use crate::parts::current::switch;
pub use crate::parts::host::{
    Firewall, firewall, install_system_files, install_timers, root_prefix,
};
pub use crate::parts::proxy::through_proxy;
pub use crate::parts::stack_files::{SpecFile, put as put_files};
