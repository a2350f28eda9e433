//! The Parallax server as a library: settings, start-up and the demo
//! workspace. `main.rs` is thin glue over this; the integration tests start
//! the real server through [`server::start`].

pub mod demo;
pub mod server;
pub mod settings;
