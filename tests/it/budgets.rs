//! Work budgets (issue 16): models inside every documented limit that made
//! a command run for minutes or take gigabytes are refused up front with
//! the estimate and what to do, and work that was quadratic is linear.
//! The output budget is tested in `output_budget`.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use credence::analysis::{self, AnalysisError, budget};
use credence::model::{self, Model};
use credence::network::bif;

fn load(text: &str) -> Model {
    let checked = model::check_text("budget.toml", text, model::no_documents);
    match checked.model {
        Some(m) => m,
        None => panic!("invalid: {:?}", checked.errors().next()),
    }
}

fn hypotheses(n: usize) -> String {
    (0..n)
        .map(|i| format!("[[hypotheses]]\nid = \"h{i}\"\ntitle = \"H{i}\"\n\n"))
        .collect()
}

/// `hyps` hypotheses and `items` items, each reported once by one source:
/// valid and inside every limit of docs/FORMAT.md.
fn wide_model(hyps: usize, items: usize) -> String {
    let likelihood: Vec<String> = (0..hyps)
        .map(|j| format!("h{j} = 0.{}", j % 8 + 1))
        .collect();
    let likelihood = likelihood.join(", ");
    let mut t = format!(
        "[model]\ntitle = \"wide\"\n\n{}[[sources]]\nid = \"s\"\ntitle = \"S\"\nreliability = 0.7\n\n",
        hypotheses(hyps)
    );
    for i in 0..items {
        let _ = write!(
            t,
            "[[evidence]]\nid = \"e{i}\"\nclaim = \"c\"\nlikelihood = {{ {likelihood} }}\nreports = [{{ source = \"s\" }}]\n\n"
        );
    }
    t
}

fn over_budget(e: AnalysisError) -> budget::OverBudget {
    match e {
        AnalysisError::OverBudget(b) => b,
        other => panic!("not a budget refusal: {other}"),
    }
}

#[test]
fn sensitivity_refuses_more_results_than_it_can_hold_or_print() {
    // 100 hypotheses x 300 items: 63 million posterior numbers over a
    // 21-point grid (the 483 KB model wrote 7 GB of JSON).
    let m = load(&wide_model(100, 300));
    let start = Instant::now();
    let e = over_budget(analysis::sensitivity::analyse(&m, 21).expect_err("refused"));
    assert!(start.elapsed() < Duration::from_secs(30));
    assert_eq!(e.command, "sensitivity");
    // Items x hypotheses likelihood sweeps and the source's reliability
    // and bias, each 21 points of 100 posteriors.
    assert_eq!(e.estimate, (300.0 * 100.0 + 2.0) * 21.0 * 100.0);
    let msg = e.to_string();
    assert!(msg.contains("6.300e7"), "{msg}");
    assert!(msg.contains("use fewer --points"), "{msg}");
    // Small enough at 2 points? 6 million: yes.
    let small = load(&wide_model(100, 30));
    analysis::sensitivity::analyse(&small, 21).expect("30 items fit");
}

#[test]
fn sensitivity_refuses_too_much_inference_work() {
    // Five sources of unknown reliability at 21 levels on the same items:
    // each sweep point eliminates a 2 x 21^5 table (84 s before).
    let mut t = format!(
        "[model]\ntitle = \"latent\"\nreliability_levels = 21\n\n{}",
        hypotheses(2)
    );
    for i in 0..5 {
        let _ = write!(
            t,
            "[[sources]]\nid = \"u{i}\"\ntitle = \"U\"\nreliability = [0, 1]\n\n"
        );
    }
    let reports: Vec<String> = (0..5).map(|i| format!("{{ source = \"u{i}\" }}")).collect();
    for j in 0..3 {
        let _ = write!(
            t,
            "[[evidence]]\nid = \"e{j}\"\nclaim = \"c\"\nlikelihood = {{ h0 = 0.7, h1 = 0.3 }}\nreports = [{}]\n\n",
            reports.join(", ")
        );
    }
    let m = load(&t);
    let start = Instant::now();
    let e = over_budget(analysis::sensitivity::analyse(&m, 21).expect_err("refused"));
    assert!(start.elapsed() < Duration::from_secs(30));
    assert!(e.estimate > budget::MAX_WORK);
    let msg = e.to_string();
    assert!(msg.contains("table entries"), "{msg}");
    assert!(msg.contains("point reliability"), "{msg}");
    // The same model at 5 levels is well within.
    let fewer = load(&t.replace("reliability_levels = 21", "reliability_levels = 5"));
    analysis::sensitivity::analyse(&fewer, 5).expect("5 levels fit");
}

#[test]
fn simulate_refuses_more_samples_than_it_can_hold() {
    // 1,000 hypotheses x 1,000,000 samples: 8 GB of columns.
    let likelihood: Vec<String> = (0..1000)
        .map(|j| format!("h{j} = [0.1, 0.{}]", j % 8 + 2))
        .collect();
    let t = format!(
        "[model]\ntitle = \"sim\"\n\n{}[[evidence]]\nid = \"e\"\nclaim = \"c\"\nlikelihood = {{ {} }}\n",
        hypotheses(1000),
        likelihood.join(", ")
    );
    let m = load(&t);
    let options = analysis::simulate::Options {
        samples: 1_000_000,
        seed: 0,
    };
    let e = over_budget(
        analysis::simulate::simulate(&m, options, &analysis::simulate::NoProgress)
            .expect_err("refused"),
    );
    assert_eq!(e.command, "simulate");
    assert!(
        e.to_string().contains("at most 33554 with 1000 hypotheses"),
        "{e}"
    );
}

#[test]
fn bif_tables_are_capped_in_total_not_only_each() {
    // The 9.5 KB file: forty tables of 2^23 entries from `default`
    // rows, each under the per-table cap; 7.9 GB resident before.
    let mut t = String::from("network n {}\n");
    for i in 0..22 {
        let _ = writeln!(t, "variable p{i} {{ type discrete [ 2 ] {{ a, b }}; }}");
    }
    for j in 0..40 {
        let _ = writeln!(t, "variable c{j} {{ type discrete [ 2 ] {{ a, b }}; }}");
    }
    for i in 0..22 {
        let _ = writeln!(t, "probability ( p{i} ) {{ table 0.5, 0.5; }}");
    }
    let parents: Vec<String> = (0..22).map(|i| format!("p{i}")).collect();
    for j in 0..40 {
        let _ = writeln!(
            t,
            "probability ( c{j} | {} ) {{ default 0.5, 0.5; }}",
            parents.join(", ")
        );
    }
    assert!(t.len() < 10_000);
    let e = bif::parse(&t).expect_err("refused");
    assert!(
        e.message.starts_with(&format!(
            "the tables together would have over {} entries: the table of `c1`",
            bif::MAX_TOTAL_CPT_ENTRIES
        )),
        "{}",
        e.message
    );
    assert_eq!(e.line, 87);
    assert!(e.hint.is_some());
}

#[test]
fn explain_is_linear_in_the_reports_of_an_item() {
    // 300,000 reports of one item, each its own origin: grouping reports by
    // origin and finding them by id scanned every report per report
    // (100,000 took 40 s as text before).
    let reports = "{ source = \"s\" },\n".repeat(300_000);
    let t = format!(
        "[model]\ntitle = \"explain\"\n\n{}[[sources]]\nid = \"s\"\ntitle = \"S\"\nreliability = 0.7\n\n[[evidence]]\nid = \"e\"\nclaim = \"c\"\nlikelihood = {{ h0 = 0.6, h1 = 0.4 }}\nreports = [\n{reports}]\n",
        hypotheses(2)
    );
    let m = load(&t);
    let start = Instant::now();
    let a = analysis::analyse(&m).expect("analysed");
    let e = analysis::explain::explain(&m, &a, None).expect("explained");
    assert_eq!(e.items[0].origins.len(), 300_000);
    let view = credence::report::explain::build(&m, &e);
    let mut out = Vec::new();
    credence::report::write(&view, credence::report::Format::Text, false, &mut out).expect("text");
    let took = start.elapsed();
    assert!(took < Duration::from_secs(60), "explain took {took:?}");
}

#[test]
fn the_bottom_line_search_is_budgeted() {
    // The bottom line moves every item's likelihood for every hypothesis
    // across its range (items x hypotheses searches of hypotheses numbers a
    // step): 1,000 x 1,000 took `report` 4 min 42 s and 1.3 GB before.
    // 300 x 300 is over the budget: refused at once, and `report` goes on
    // without a bottom line.
    let m = load(&wide_model(300, 300));
    let a = analysis::analyse(&m).expect("analysed");
    let start = Instant::now();
    let e = over_budget(analysis::judgement::bottom_line(&m, &a).expect_err("refused"));
    assert!(start.elapsed() < Duration::from_secs(5));
    assert_eq!(e.command, "the bottom line's robustness search");
    // 300 items x 300 likelihoods x 129 steps x 300 numbers, and the
    // source's reliability and bias, 33 inferences each.
    let likelihoods = 300.0 * 300.0 * 129.0 * 300.0;
    assert!(
        e.estimate > likelihoods && e.estimate < 1.01 * likelihoods,
        "{}",
        e.estimate
    );
    assert!(e.to_string().contains("split the model"), "{e}");
    // 100 x 100 is well within.
    let small = load(&wide_model(100, 100));
    let a = analysis::analyse(&small).expect("analysed");
    analysis::judgement::bottom_line(&small, &a).expect("within");
}

/// A model from the project's generator: `items` items (one report each,
/// all enabled) over `hypotheses` hypotheses.
fn generated(items: usize, hypotheses: usize) -> String {
    crate::generate::generate(crate::generate::Shape {
        items,
        hypotheses,
        ..Default::default()
    })
}

/// Runs `credence ARGS... MODEL --format FORMAT` on `text` written to a
/// temporary file.
fn run_cli(text: &str, args: &[&str], format: &str) -> std::process::Output {
    let dir = crate::robustness::TempDir::new("view-cells");
    let path = dir.path("wide.toml");
    std::fs::write(&path, text).expect("write model");
    crate::cli::credence()
        .args(args)
        .arg(&path)
        .args(["--format", format])
        .output()
        .expect("run credence")
}

/// The refusal's estimate: "(N, over the budget of ...)".
fn stated_estimate(err: &str) -> f64 {
    err.split(") (")
        .nth(1)
        .and_then(|rest| rest.split(',').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no estimate in: {err}"))
}

#[test]
fn ach_refuses_a_view_too_large_to_build_before_building_it() {
    // 1,000 hypotheses x 1,000 items took 2.3 GB to print 209 MB of text
    // (11,822 disagreeing pairs, each listing every item). 250 x 250 is over
    // the view budget: refused in every format with the estimate, nothing
    // on standard output.
    let text = generated(250, 250);
    for format in ["text", "json"] {
        let o = run_cli(&text, &["ach"], format);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{err}");
        assert!(o.stdout.is_empty());
        assert!(
            err.contains("ach would lay out this many cells (250 items x 250 hypotheses"),
            "{err}"
        );
        assert!(err.contains("over the budget of 1.049e6"), "{err}");
        assert!(
            err.contains("split the model into fewer items or hypotheses"),
            "{err}"
        );
        // The estimate is the matrix and every disagreeing pair's list.
        let pairs: f64 = err
            .split("matrix, and ")
            .nth(1)
            .and_then(|rest| rest.split(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no pair count in: {err}"));
        let estimate = 250.0 * (250.0 + pairs);
        assert!(estimate > budget::MAX_VIEW_CELLS);
        assert_eq!(
            stated_estimate(&err),
            format!("{estimate:.3e}").parse::<f64>().unwrap()
        );
    }
    // 400 items x 200 hypotheses is within it, and answered.
    let m = load(&generated(400, 200));
    let a = analysis::analyse(&m).expect("analysed");
    analysis::ach::ach(&m, &a).expect("within the view budget");
}

#[test]
fn explain_refuses_a_view_too_large_to_build_before_building_it() {
    // 1,000 x 1,000 took 1.1 GB for 85 MB of text. 530 items x 1,000
    // hypotheses, twice (each item's step and the running posterior), and
    // 530 report lines: 1,060,530 cells, over 2^20.
    let text = generated(530, 1000);
    for format in ["text", "json"] {
        let o = run_cli(&text, &["explain"], format);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{err}");
        assert!(o.stdout.is_empty());
        assert!(
            err.contains("explain would lay out this many cells (530 items x 1000 hypotheses"),
            "{err}"
        );
        assert!(
            err.contains("(1.061e6, over the budget of 1.049e6)"),
            "{err}"
        );
        assert!(err.contains("with --item ID"), "{err}");
    }
    // One item of the same model is answered.
    let o = run_cli(&text, &["explain", "--item", "e5"], "json");
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // 520 items: 1,040,520 cells, within.
    let m = load(&generated(520, 1000));
    let a = analysis::analyse(&m).expect("analysed");
    analysis::explain::explain(&m, &a, None).expect("within the view budget");
}
