//! The `trailtune` binary: parse the command line, run the command, map the outcome to an exit
//! status. Everything else lives in the library (`trailtune::commands`).

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = trailtune::cli::Cli::parse();
    match trailtune::commands::run(cli) {
        Ok(status) => status.into(),
        Err(err) if trailtune::exit::is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("trailtune: error: {}", trailtune::exit::message(&err));
            trailtune::exit::Status::Fatal.into()
        }
    }
}
