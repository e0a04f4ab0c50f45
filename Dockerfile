# syntax=docker/dockerfile:1
#
# The container image deploy/ runs: the one `cutoff` binary built with the `watch` feature
# (kube-rs with rustls + ring: no OpenSSL, links only glibc), on distroless, non-root.
#
#   docker build -t cutoff .
#   docker run --rm cutoff --version
#   docker run --rm -v ~/.kube:/home/nonroot/.kube:ro -v "$PWD":/repo:ro cutoff watch --once -A --repo /repo
#
# Build stage: the Rust toolchain (its slim image has gcc and libc headers, which ring's C
# and assembly parts need). BuildKit cache mounts keep the registry and target directory
# between builds; the binary is copied out of the cached target directory.
FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked -p cutoff --features watch \
 && strip target/release/cutoff \
 && cp target/release/cutoff /cutoff

# Run stage: glibc and libgcc only (distroless "cc"), no shell, no package manager,
# uid/gid 65532 ("nonroot").
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /cutoff /usr/local/bin/cutoff
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/cutoff"]
CMD ["--help"]
