//! `cutoff-watch-test`: `cutoff watch` with the repository knowledge read from a small
//! JSON/YAML file (`--knowledge FILE`, see `StaticKnowledge`) instead of a linted
//! repository. Used by this crate's end-to-end tests.

use clap::Parser;
use cutoff_watch::{StaticKnowledge, WatchArgs};
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Parser)]
#[command(
    name = "cutoff-watch-test",
    about = cutoff_watch::WATCH_ABOUT,
    long_about = cutoff_watch::WATCH_LONG_ABOUT,
    after_long_help = cutoff_watch::WATCH_EXAMPLES
)]
struct Cli {
    /// The repository knowledge: a StaticKnowledge JSON (.json) or YAML file.
    #[arg(long, value_name = "FILE")]
    knowledge: PathBuf,
    #[command(flatten)]
    watch: WatchArgs,
}

fn main() {
    let cli = Cli::parse();
    let knowledge = match StaticKnowledge::load(&cli.knowledge) {
        Ok(k) => k,
        Err(e) => {
            eprintln!("cutoff-watch-test: {e}");
            std::process::exit(cutoff_watch::EXIT_SETUP);
        }
    };
    std::process::exit(cutoff_watch::run_blocking(cli.watch, Arc::new(knowledge)));
}
