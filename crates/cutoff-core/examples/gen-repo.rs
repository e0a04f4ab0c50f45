//! Writes a synthetic GitOps repository for benchmarks:
//! `cargo run --release --example gen-repo -- OUT N` writes about N files (Tekton
//! Pipelines, PipelineRuns, Tasks, Pipelines-as-Code runs, Jobs, CronJobs, Deployments,
//! Helm values and Kustomize files), deterministic for a given N.

use std::fmt::Write as _;
use std::path::Path;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[(self.next() as usize) % xs.len()]
    }
}

const DURATIONS: &[&str] = &[
    "\"10m\"",
    "\"30m\"",
    "\"1h\"",
    "\"1h30m\"",
    "\"2h\"",
    "\"45m\"",
    "1h",
    "\"3h\"",
];

fn pipeline(r: &mut Rng, i: usize, tasks: usize) -> String {
    let mut s = format!("apiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata:\n  name: pipeline-{i}\n  labels:\n    app.kubernetes.io/part-of: bench\nspec:\n  params:\n    - name: revision\n      type: string\n  tasks:\n");
    let n = 3 + (r.next() % 6) as usize;
    for t in 0..n {
        let _ = write!(
            s,
            "    - name: task-{t}\n      taskRef:\n        name: task-{}\n",
            r.next() as usize % tasks
        );
        if t > 0 {
            let _ = writeln!(s, "      runAfter: [task-{}]", t - 1);
        }
        if r.next() % 2 == 0 {
            let _ = writeln!(s, "      timeout: {}", r.pick(DURATIONS));
        }
        let _ = write!(
            s,
            "      params:\n        - name: revision\n          value: $(params.revision)\n"
        );
    }
    s.push_str("  finally:\n    - name: notify\n      taskRef:\n        name: notify\n      timeout: \"5m\"\n");
    s
}

fn pipelinerun(r: &mut Rng, i: usize, pac: bool, pipelines: usize) -> String {
    let mut s =
        format!("apiVersion: tekton.dev/v1\nkind: PipelineRun\nmetadata:\n  name: run-{i}\n");
    if pac {
        s.push_str("  annotations:\n    pipelinesascode.tekton.dev/on-event: \"[pull_request]\"\n");
    }
    let _ = write!(s, "spec:\n  pipelineRef:\n    name: pipeline-{}\n  params:\n    - name: revision\n      value: {}\n", r.next() as usize % pipelines, if pac { "\"{{ revision }}\"" } else { "main" });
    let _ = write!(s, "  timeouts:\n    pipeline: {}\n", r.pick(DURATIONS));
    if r.next() % 3 == 0 {
        let _ = writeln!(s, "    tasks: {}", r.pick(DURATIONS));
    }
    s
}

fn task(r: &mut Rng, i: usize) -> String {
    let mut s = format!("apiVersion: tekton.dev/v1\nkind: Task\nmetadata:\n  name: task-{i}\nspec:\n  params:\n    - name: revision\n  steps:\n");
    for st in 0..(1 + r.next() % 4) {
        let _ = write!(s, "    - name: step-{st}\n      image: registry.example.com/tools:{}\n      script: |\n        #!/bin/sh\n        set -eu\n        echo building $(params.revision)\n        make -j4 target-{st}\n", r.next() % 9);
        if r.next() % 3 == 0 {
            let _ = writeln!(s, "      timeout: {}", r.pick(DURATIONS));
        }
    }
    s
}

fn job(r: &mut Rng, i: usize, cron: bool) -> String {
    let body = format!("spec:\n  backoffLimit: 3\n  activeDeadlineSeconds: {}\n  template:\n    spec:\n      restartPolicy: Never\n      terminationGracePeriodSeconds: 30\n      containers:\n        - name: main\n          image: registry.example.com/job:{}\n          command: [\"/bin/run\", \"--once\"]\n", 600 * (1 + r.next() % 10), r.next() % 9);
    if cron {
        let indented: String = body.lines().map(|l| format!("    {l}\n")).collect();
        format!("apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: cron-{i}\nspec:\n  schedule: \"*/15 * * * *\"\n  jobTemplate:\n{indented}")
    } else {
        format!("apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: job-{i}\n{body}")
    }
}

fn deployment(r: &mut Rng, i: usize) -> String {
    let mut s = format!("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: svc-{i}\n  labels:\n    app: svc-{i}\nspec:\n  replicas: {}\n  selector:\n    matchLabels:\n      app: svc-{i}\n  template:\n    metadata:\n      labels:\n        app: svc-{i}\n    spec:\n      containers:\n", 1 + r.next() % 5);
    for c in 0..(1 + r.next() % 3) {
        let _ = write!(s, "        - name: c{c}\n          image: registry.example.com/svc:{}\n          ports:\n            - containerPort: {}\n          resources:\n            limits: {{cpu: 500m, memory: 256Mi}}\n          env:\n            - name: MODE\n              value: production\n", r.next() % 20, 8000 + c);
    }
    s.push_str("---\napiVersion: v1\nkind: Service\nmetadata:\n  name: svc\nspec:\n  ports:\n    - port: 80\n");
    s
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 3 {
        eprintln!("usage: gen-repo OUT N");
        std::process::exit(2);
    }
    let out = Path::new(&args[1]);
    let n: usize = args[2].parse().expect("N must be a number");
    let mut r = Rng(42);
    let mut bytes = 0usize;
    // Names are unique but for one in twenty, which repeats its neighbour's (like a
    // Kustomize overlay of the same Pipeline or Task), so references resolve to 1 or 2 objects.
    let name = |i: usize| (i / 10) * 19 / 20;
    let names = name(n).max(1);
    for i in 0..n {
        let (rel, text) = match i % 10 {
            0 => (format!("tekton/pipelines/pipeline-{i}.yaml"), pipeline(&mut r, name(i), names)),
            1 => (format!("tekton/runs/run-{i}.yaml"), pipelinerun(&mut r, i, false, names)),
            2 => (format!("team-{}/.tekton/pr-{i}.yaml", i % 17), pipelinerun(&mut r, i, true, names)),
            3 => (format!("tekton/tasks/task-{i}.yaml"), task(&mut r, name(i))),
            4 => (format!("jobs/job-{i}.yaml"), job(&mut r, i, false)),
            5 => (format!("jobs/cron-{i}.yaml"), job(&mut r, i, true)),
            6 | 7 => (format!("apps/svc-{i}/deployment.yaml"), deployment(&mut r, i)),
            8 => (format!("charts/svc-{i}/values.yaml"), format!("replicaCount: {}\nimage:\n  repository: registry.example.com/svc\n  tag: \"{}\"\nresources:\n  limits:\n    cpu: 500m\n", r.next() % 4, r.next() % 100)),
            _ => (format!("apps/svc-{i}/kustomization.yaml"), "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - deployment.yaml\nimages:\n  - name: registry.example.com/svc\n    newTag: v2\n".to_string()),
        };
        let path = out.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).expect("create directory");
        std::fs::write(&path, &text).expect("write file");
        bytes += text.len();
    }
    eprintln!("wrote {n} files, {bytes} bytes, under {}", out.display());
}
