//! The `ripcord` binary: parse the command line, start logging, dispatch.

use std::process::ExitCode;

use clap::Parser;
use ripcord::cli::{Cli, dispatch, exit};

fn main() -> ExitCode {
    let cli = Cli::parse();
    ripcord::logging::init(&ripcord::paths::state_dir(cli.state_dir()));
    match dispatch(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("ripcord: {err:#}");
            ExitCode::from(exit::ERROR)
        }
    }
}
