fn main() {
    std::process::exit(cutoff::cli::main());
}
