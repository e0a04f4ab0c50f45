//! The `cutoff` command: argument parsing and the commands. Everything a command knows
//! about manifests and timeouts comes from `cutoff-core`.

mod cli;
mod groups;
mod snapshot;
mod timeouts;

fn main() {
    std::process::exit(cli::main());
}
